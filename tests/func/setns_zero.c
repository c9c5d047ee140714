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
	pthread_t t[3];

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	pthread_barrier_init(&ready, NULL, 4);
	pthread_create(&t[0], NULL, leaker, NULL);
	pthread_create(&t[1], NULL, bystander, NULL);
	pthread_create(&t[2], NULL, bystander, NULL);
	pthread_barrier_wait(&ready);
	return 0;
}
