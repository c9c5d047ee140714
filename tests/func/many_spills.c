/* argv[1] threads, every argv[2]-th of them left in another uts namespace:
 * enough threads that the report reads /proc with helper threads.  Prints
 * "spilled TID" for each one that switched. */
#include "common.h"

static int nsfd, every;
static pthread_barrier_t all;

static void *worker(void *p)
{
	if ((long)p % every == 0) {
		if (setns(nsfd, CLONE_NEWUTS) != 0)
			abort();
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
	need_namespaces();
	nsfd = make_ns(CLONE_NEWUTS, "uts");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	pthread_barrier_init(&all, NULL, (unsigned)n + 1);
	for (long i = 0; i < n; i++)
		if (pthread_create(&t, &attr, worker, (void *)(i + 1)))
			abort();
	pthread_barrier_wait(&all);
	fflush(stdout);
	return 0;
}
