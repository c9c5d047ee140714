/* syscall(SYS_setns, ...) and syscall(SYS_unshare, ...), as runtimes and
 * ctypes users call them, bypassing the libc wrappers. */
#include "common.h"

static int nsfd;

__attribute__((noinline)) static void raw_enter(void)
{
	if (syscall(SYS_setns, nsfd, CLONE_NEWNET) != 0)
		abort();
}

__attribute__((noinline)) static void raw_unshare(void)
{
	if (syscall(SYS_unshare, CLONE_NEWUTS) != 0)
		abort();
}

static void *setter(void *p)
{
	(void)p;
	say_tid("setter");
	raw_enter();
	pthread_barrier_wait(&ready);
	return park();
}

static void *unsharer(void *p)
{
	(void)p;
	say_tid("unsharer");
	raw_unshare();
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	pthread_t t[5];

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	pthread_barrier_init(&ready, NULL, 6);
	pthread_create(&t[0], NULL, setter, NULL);
	pthread_create(&t[1], NULL, unsharer, NULL);
	for (int i = 2; i < 5; i++)
		pthread_create(&t[i], NULL, bystander, NULL);
	pthread_barrier_wait(&ready);
	return 0;
}
