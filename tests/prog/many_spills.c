/* argv[1] threads, every argv[2]-th of them left in another uts namespace:
 * enough threads that the report reads /proc with helper threads.  Prints
 * "spilled TID" for each one that switched.  argv[3] "seccomp": a filter
 * that kills the process on clone() (threads come from clone3); "home":
 * those threads switch back, so the process ends clean with calls
 * recorded; "main": argv[2] 0 (no thread switches) and main itself
 * switches once all threads are made, so it is the odd one out;
 * "rawmain": as "home", then main enters the namespace the threads went
 * to and came back from with the syscall instruction (no record);
 * "rawthread": one thread more, made by clone() and entering the
 * namespace with the syscall instruction, so the shim has no record of
 * it: the report must find it all the same; "ghost": as "rawthread", and
 * one thread more that ends by the syscall instruction, so the shim
 * still counts it (the kernel's count of threads is the shim's again);
 * argv[4] "fill" then takes every pid left with threads before the ghost
 * ends, and gives one back, so that the pids the report takes for itself
 * are the ghost's and that one (in a pid namespace with a small
 * pid_max). */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "common.h"

static void kill_on_clone(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		fprintf(stderr, "skip: cannot install a seccomp filter (%s)\n", strerror(errno));
		exit(SKIP);
	}
}

static int nsfd, homefd = -1, every;
static pthread_barrier_t all;
static _Atomic int raw_entered;

static long raw_syscall2(long nr, long a, long b)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "0"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

/* Nothing here goes through the C library or the shim. */
static int raw_thread(void *p)
{
	(void)p;
	raw_entered = raw_syscall2(SYS_setns, nsfd, CLONE_NEWUTS) == 0 ? 1 : -1;
	for (;;)
		raw_syscall2(SYS_pause, 0, 0);
	return 0;
}

static void make_raw_thread(void)
{
	size_t size = 64 << 10;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int tid;

	if (stack == MAP_FAILED)
		abort();
	tid = clone(raw_thread, stack + size,
		    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
		    NULL);
	if (tid < 0)
		abort();
	while (!raw_entered)
		sched_yield();
	if (raw_entered < 0)
		abort();
	printf("spilled %d\n", tid);
}

static _Atomic int ghost_go, fillers_go;
static _Atomic pid_t ghost_tid;

static void *ghost(void *p)
{
	(void)p;
	ghost_tid = tid_now();
	while (!ghost_go)
		usleep(1000);
	raw_syscall2(SYS_exit, 0, 0); /* unseen by the shim */
	return NULL;
}

static void *filler(void *p)
{
	if (!p)
		return park();
	while (!fillers_go)
		usleep(1000);
	return NULL;
}

/* (fill) One thread to give its pid back, then the ghost, then (fill)
 * threads until no pid is left; then that one and the ghost end.  The
 * pids free are then the ghost's and one before it: the next the kernel
 * hands out (pids go round) are those two in turn, so a task the report
 * makes after taking one for itself gets the ghost's. */
static void make_ghost(pthread_attr_t *attr, int fill)
{
	enum { BACK = 3 };
	pthread_t t, back[BACK];
	long filled = 0;

	for (int i = 0; fill && i < BACK; i++)
		if (pthread_create(&back[i], attr, filler, (void *)1))
			abort();
	if (pthread_create(&t, attr, ghost, NULL))
		abort();
	while (!ghost_tid)
		sched_yield();
	while (fill && !pthread_create(&t, attr, filler, NULL))
		filled++;
	if (fill && filled < 1)
		abort(); /* the pid space was not filled by threads */
	fillers_go = 1;
	for (int i = 0; fill && i < BACK; i++)
		pthread_join(back[i], NULL);
	ghost_go = 1;
	while (syscall(SYS_tgkill, getpid(), ghost_tid, 0) == 0)
		usleep(1000);
	printf("ghost %d, %ld fillers\n", (int)ghost_tid, filled);
}

static void *worker(void *p)
{
	if ((long)p % every == 0) {
		if (setns(nsfd, CLONE_NEWUTS) != 0)
			abort();
		if (homefd >= 0 && setns(homefd, CLONE_NEWUTS) != 0)
			abort();
		if (homefd < 0)
			printf("spilled %d\n", (int)tid_now());
	}
	pthread_barrier_wait(&all);
	return park();
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;
	pthread_attr_t attr;
	pthread_t t;

	every = argc > 2 ? atoi(argv[2]) : 7;
	if (every <= 0)
		every = (int)n + 1; /* none of them */
	need_namespaces();
	nsfd = make_ns(CLONE_NEWUTS, "uts");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	pthread_barrier_init(&all, NULL, (unsigned)n + 1);
	if (argc > 3 && !strcmp(argv[3], "seccomp"))
		kill_on_clone();
	if (argc > 3 && (!strcmp(argv[3], "home") || !strcmp(argv[3], "rawmain")) &&
	    (homefd = open_ns("uts")) < 0)
		abort();
	for (long i = 0; i < n; i++)
		if (pthread_create(&t, &attr, worker, (void *)(i + 1)))
			abort();
	pthread_barrier_wait(&all);
	if (argc > 3 && (!strcmp(argv[3], "rawthread") || !strcmp(argv[3], "ghost")))
		make_raw_thread();
	if (argc > 3 && !strcmp(argv[3], "ghost"))
		make_ghost(&attr, argc > 4 && !strcmp(argv[4], "fill"));
	if (argc > 3 && !strcmp(argv[3], "main")) {
		if (setns(nsfd, CLONE_NEWUTS) != 0)
			abort();
		printf("spilled %d\n", (int)tid_now());
	}
	if (argc > 3 && !strcmp(argv[3], "rawmain")) {
		long r;
		__asm__ volatile("syscall"
				 : "=a"(r)
				 : "0"((long)SYS_setns), "D"((long)nsfd), "S"((long)CLONE_NEWUTS)
				 : "rcx", "r11", "memory");
		if (r != 0)
			abort();
		printf("spilled %d\n", (int)tid_now());
	}
	fflush(stdout);
	return 0;
}
