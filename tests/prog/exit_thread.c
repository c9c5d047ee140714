/* A worker calls exit() while another thread is spilled: the report is
 * taken while threads live; stdout, atexit handlers and destructors still
 * work. */
#include "common.h"

static int nsfd;

static void bye(void)
{
	printf("atexit handler ran\n");
}

__attribute__((destructor)) static void dtor(void)
{
	printf("destructor ran\n");
}

static void *leaker(void *p)
{
	(void)p;
	say_tid("leaker");
	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
	pthread_barrier_wait(&ready);
	return park();
}

static void *quitter(void *p)
{
	(void)p;
	pthread_barrier_wait(&ready);
	printf("buffered line without newline");
	exit(0);
}

int main(void)
{
	pthread_t t[3];

	need_namespaces();
	atexit(bye);
	nsfd = make_ns(CLONE_NEWNET, "net");
	pthread_barrier_init(&ready, NULL, 3);
	pthread_create(&t[0], NULL, leaker, NULL);
	pthread_create(&t[1], NULL, quitter, NULL);
	pthread_create(&t[2], NULL, bystander, NULL);
	pthread_join(t[1], NULL);
	return 3; /* not reached */
}
