/* Built with -static: LD_PRELOAD cannot reach it, only the tracer can.
 * One worker enters a net namespace through glibc's syscall(), one
 * leaves for a new uts namespace with the syscall instruction itself,
 * and a thread created by the first while away inherits its spill.
 * argv[1]: "wait" prints "ready" and waits for a signal (default: exit
 * 0); any other argv[1] is main's exit status. */
#include "common.h"

static int nsfd;

__attribute__((noinline)) static void leak_here(void)
{
	if (syscall(SYS_setns, nsfd, CLONE_NEWNET) != 0)
		abort();
}

__attribute__((noinline)) static void asm_unshare(void)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "0"((long)SYS_unshare), "D"((long)CLONE_NEWUTS)
			 : "rcx", "r11", "memory");
	if (r != 0)
		abort();
}

static void *inheritor(void *p)
{
	(void)p;
	say_tid("inheritor");
	pthread_barrier_wait(&ready);
	return park();
}

static void *leaker(void *p)
{
	pthread_t t;

	(void)p;
	say_tid("leaker");
	leak_here();
	pthread_create(&t, NULL, inheritor, NULL);
	pthread_barrier_wait(&ready);
	return park();
}

static void *unsharer(void *p)
{
	(void)p;
	say_tid("unsharer");
	asm_unshare();
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	pthread_t t[6];

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	pthread_barrier_init(&ready, NULL, 4);
	pthread_create(&t[0], NULL, leaker, NULL);
	pthread_create(&t[1], NULL, unsharer, NULL);
	for (int i = 2; i < 6; i++)
		pthread_create(&t[i], NULL, park_thread, NULL);
	pthread_barrier_wait(&ready);
	say_tid("main");
	if (argc > 1 && !strcmp(argv[1], "wait")) {
		printf("ready\n");
		fflush(stdout);
		park();
	}
	return argc > 1 ? atoi(argv[1]) : 0;
}
