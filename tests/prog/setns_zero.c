/* setns(fd, 0): the type comes from the fd. */
#include "common.h"

static int nsfd;

__attribute__((noinline)) static void enter_any(void)
{
	if (setns(nsfd, 0) != 0)
		abort();
}

static void *leaker(void *p)
{
	(void)p;
	say_tid("leaker");
	enter_any();
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	start_threads(leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	return 0;
}
