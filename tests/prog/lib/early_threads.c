/* A library whose constructor starts threads, as thread pools and runtimes
 * do: preloaded before the shim's constructor has run, or dlopen'ed later.
 * One thread unshares uts at once and stays there; one unshares and goes
 * home; one just waits.  Each says its tid on stdout. */
#include "../common.h"

static pthread_barrier_t started;

__attribute__((noinline)) static void early_unshare(void)
{
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
}

static void *early_leaker(void *p)
{
	(void)p;
	say_tid("early_leaker");
	early_unshare();
	pthread_barrier_wait(&started);
	return park();
}

static void *early_tidy(void *p)
{
	int home = open_ns("uts");

	(void)p;
	early_unshare();
	if (setns(home, CLONE_NEWUTS) != 0)
		abort();
	close(home);
	pthread_barrier_wait(&started);
	return park();
}

__attribute__((constructor)) static void start_pool(void)
{
	pthread_t t;

	if (geteuid() != 0)
		return; /* the test program skips */
	pthread_barrier_init(&started, NULL, 3);
	pthread_create(&t, NULL, early_leaker, NULL);
	pthread_create(&t, NULL, early_tidy, NULL);
	pthread_create(&t, NULL, park_thread, NULL);
	pthread_barrier_wait(&started);
}
