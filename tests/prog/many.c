/* 64 threads: every 8th (from 1) enters a net namespace, threads 3, 19,
 * 35, 51 unshare uts, thread 3 does both; the rest stay.  Prints which. */
#include "common.h"

#define N 64

static int nsfd;

static void *worker(void *p)
{
	long i = (long)p;
	char name[32];

	if (i % 8 == 1 || i == 3) {
		if (setns(nsfd, CLONE_NEWNET) != 0)
			abort();
		snprintf(name, sizeof(name), "net%ld", i);
		say_tid(name);
	}
	if (i % 16 == 3) {
		if (unshare(CLONE_NEWUTS) != 0)
			abort();
		snprintf(name, sizeof(name), "uts%ld", i);
		say_tid(name);
	}
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	pthread_t t[N];

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	pthread_barrier_init(&ready, NULL, N + 1);
	for (long i = 0; i < N; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	pthread_barrier_wait(&ready);
	return 0;
}
