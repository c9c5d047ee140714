/* Signals and the shim.  One worker leaves itself in a uts namespace of
 * its own, two bystanders keep the majority; then argv[1] says what
 * happens:
 *   wait         park until a signal comes from outside
 *   segv-thread  a new thread writes through a null pointer
 *   abort        main calls abort()
 *   abort-handler    main installs a SIGABRT handler that says "abrt
 *                    handler" and returns, then calls abort()
 *   abort-ignored    main ignores SIGABRT, then calls abort()
 *   overflow     a new thread recurses until its stack runs out
 *   overflow-early   a thread begun before any switch ("tid early N")
 *                enters a uts namespace of its own once the others are
 *                ready, then recurses until its stack runs out
 *   overflow-vfork   the same, the thread's vfork child entering one
 *                first
 *   own-handler  main installs a SIGTERM handler that says "handled" and
 *                exits 3, then waits
 *   ignore       SIGHUP ignored, then raised: the program runs on
 *   query        what sigaction/signal/sigaltstack answer
 *   siginfo      a SA_SIGINFO|SA_ONSTACK handler on a stack of its own
 *   siginfo-early    the same on a thread begun before any switch, which
 *                sets its stack, then enters a uts namespace of its own
 *   tiny-stack   a tiny signal stack of the program's own, then SIGSEGV
 *   stdin-exit   exit 0 once a line comes on stdin
 *   fork-wait    all of the above happens in a fork child, in "wait" mode;
 *                the parent waits for it and says how it ended
 * Lines "tid NAME N" and "ready" are printed before that. */
#include "common.h"
#include <semaphore.h>
#include <signal.h>
#include <sys/wait.h>

/* The faults are deliberate: UBSan (make check-asan) is not to stop them
 * before they happen. */
#define FAULTS __attribute__((no_sanitize("undefined")))

FAULTS static void *segv(void *unused)
{
	(void)unused;
	*(volatile int *)0 = 1;
	return NULL;
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int deeper(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	return deeper(n + 1) + pad[0];
}

static void *overflow(void *unused)
{
	(void)unused;
	return (void *)(long)deeper(0);
}

static sem_t go_early;

static int vfork_first;

static void *overflow_early(void *unused)
{
	(void)unused;
	while (sem_wait(&go_early))
		;
	if (vfork_first) {
		/* The child runs on this thread's memory: its switch is not
		 * this thread's first. */
		pid_t c = vfork();
		if (c == 0) {
			unshare(CLONE_NEWUTS);
			_exit(0);
		}
		waitpid(c, NULL, 0);
	}
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	say_tid("early");
	return overflow(NULL);
}

static void handled(int sig)
{
	(void)sig;
	write(1, "handled\n", 8);
	exit(3);
}

static void abrt_returns(int sig)
{
	(void)sig;
	write(1, "abrt handler\n", 13);
}

static const char *name_of(void (*h)(int))
{
	return h == SIG_DFL ? "SIG_DFL" : h == SIG_IGN ? "SIG_IGN" : h == handled ? "handled" : "other";
}

static void query(void)
{
	struct sigaction sa;
	stack_t st;
	void (*old)(int);

	sigaction(SIGTERM, NULL, &sa);
	printf("sigaction SIGTERM %s\n", name_of(sa.sa_handler));
	old = signal(SIGINT, handled);
	printf("signal SIGINT was %s\n", name_of(old));
	sigaction(SIGINT, NULL, &sa);
	printf("sigaction SIGINT %s\n", name_of(sa.sa_handler));
	old = signal(SIGINT, SIG_DFL);
	printf("signal SIGINT was %s\n", name_of(old));
	old = signal(SIGINT, SIG_DFL);
	printf("signal SIGINT was %s\n", name_of(old));
	sigaltstack(NULL, &st);
	printf("sigaltstack %s\n", st.ss_flags & SS_DISABLE ? "disabled" : "enabled");
}

static char own_stack[1 << 16];
static volatile int got_value = -1, on_own_stack;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	char here;

	(void)sig;
	(void)uc;
	got_value = si->si_value.sival_int;
	on_own_stack = &here >= own_stack && &here < own_stack + sizeof(own_stack);
}

/* switch_first: the stack is set, then the thread enters a uts namespace
 * of its own, then the signal comes to this thread. */
static void siginfo(int switch_first)
{
	stack_t st = { .ss_sp = own_stack, .ss_size = sizeof(own_stack) }, back;
	struct sigaction sa = { .sa_sigaction = info_handler, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	siginfo_t si = { .si_signo = SIGUSR1, .si_code = SI_QUEUE, .si_pid = getpid(),
			 .si_uid = getuid(), .si_value.sival_int = 42 };

	if (sigaltstack(&st, NULL) != 0)
		abort();
	if (switch_first && unshare(CLONE_NEWUTS) != 0)
		abort();
	sigaltstack(NULL, &back);
	sigaction(SIGUSR1, &sa, NULL);
	syscall(SYS_rt_tgsigqueueinfo, getpid(), tid_now(), SIGUSR1, &si);
	printf("value %d own_stack %d altstack_reads_back %d\n", got_value, on_own_stack,
	       back.ss_sp == own_stack);
}

static void *siginfo_early(void *unused)
{
	stack_t off = { .ss_flags = SS_DISABLE };

	(void)unused;
	while (sem_wait(&go_early))
		;
	siginfo(1);
	/* Not left set on a thread that ends: ASan's end of a thread unmaps
	 * whatever signal stack is set, and this one is static. */
	sigaltstack(&off, NULL);
	return NULL;
}

FAULTS static void tiny_stack(void)
{
	static char tiny[8192];
	stack_t st = { .ss_sp = tiny, .ss_size = sizeof(tiny) };

	if (sigaltstack(&st, NULL) != 0)
		abort();
	*(volatile int *)0 = 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "wait";
	pthread_t t;
	char line[16];

	need_namespaces();
	if (!strcmp(mode, "fork-wait")) {
		int st;
		pid_t pid = fork();
		if (pid > 0) {
			waitpid(pid, &st, 0);
			printf("child %s %d\n", WIFSIGNALED(st) ? "killed by" : "exited",
			       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			return 0;
		}
		mode = "wait";
	}
	vfork_first = !strcmp(mode, "overflow-vfork");
	if (vfork_first)
		mode = "overflow-early";
	if (!strcmp(mode, "overflow-early") || !strcmp(mode, "siginfo-early")) {
		sem_init(&go_early, 0, 0);
		if (pthread_create(&t, NULL, mode[0] == 'o' ? overflow_early : siginfo_early, NULL))
			abort();
	}
	start_threads(uts_leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	say_tid("main");
	if (!strcmp(mode, "own-handler"))
		signal(SIGTERM, handled);
	printf("ready\n");
	fflush(stdout);
	if (!strcmp(mode, "segv-thread")) {
		pthread_create(&t, NULL, segv, NULL);
		pthread_join(t, NULL);
	} else if (!strcmp(mode, "abort")) {
		abort();
	} else if (!strcmp(mode, "abort-handler")) {
		signal(SIGABRT, abrt_returns);
		abort();
	} else if (!strcmp(mode, "abort-ignored")) {
		signal(SIGABRT, SIG_IGN);
		abort();
	} else if (!strcmp(mode, "overflow-early")) {
		sem_post(&go_early);
		pthread_join(t, NULL);
	} else if (!strcmp(mode, "overflow")) {
		pthread_create(&t, NULL, overflow, NULL);
		pthread_join(t, NULL);
	} else if (!strcmp(mode, "ignore")) {
		signal(SIGHUP, SIG_IGN);
		raise(SIGHUP);
		printf("survived\n");
		return 0;
	} else if (!strcmp(mode, "query")) {
		query();
		return 0;
	} else if (!strcmp(mode, "siginfo")) {
		siginfo(0);
		return 0;
	} else if (!strcmp(mode, "siginfo-early")) {
		sem_post(&go_early);
		pthread_join(t, NULL);
		return 0;
	} else if (!strcmp(mode, "tiny-stack")) {
		tiny_stack();
	} else if (!strcmp(mode, "stdin-exit")) {
		if (fgets(line, sizeof(line), stdin))
			return 0;
	}
	for (;;)
		pause();
}
