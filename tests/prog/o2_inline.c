/* Built with -O2: the function that calls setns is inlined into its
 * caller; the report must still name it, then its caller at the call
 * site. */
#include "common.h"

static int nsfd;

static inline __attribute__((always_inline)) void enter_inlined(void)
{
	if (setns(nsfd, CLONE_NEWNET) != 0) /* INLINE_SETNS */
		abort();
}

__attribute__((noinline)) static void outer_caller(void)
{
	enter_inlined(); /* CALL_SITE */
	say_tid("leaker");
}

static void *leaker(void *p)
{
	(void)p;
	outer_caller();
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	pthread_t t[2];

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	pthread_barrier_init(&ready, NULL, 2);
	pthread_create(&t[0], NULL, leaker, NULL);
	pthread_create(&t[1], NULL, park_thread, NULL);
	pthread_barrier_wait(&ready);
	return 0;
}
