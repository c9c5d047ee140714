/* A worker enters a net namespace and never leaves; 3 other threads stay.
 * argv[1]: exit status of main (default 0). */
#include "common.h"

static int nsfd;

__attribute__((noinline)) static void leak_here(void)
{
	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
}

static void *leaker(void *p)
{
	(void)p;
	say_tid("leaker");
	leak_here();
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	start_threads(leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	say_tid("main");
	return argc > 1 ? atoi(argv[1]) : 0;
}
