/* Threads that keep the allocator and setns busy (a round trip into a uts
 * namespace and back, over and over) while the test kills the process
 * with SIGTERM at some moment: the report must come whole whatever lock
 * the interrupted threads held.  One leaker stays in its namespace. */
#include "common.h"
#include <signal.h>

#define HAMMERS 6

static int target;

static void *leaker(void *unused)
{
	(void)unused;
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	say_tid("leaker");
	pthread_barrier_wait(&ready);
	return park();
}

static void *hammer(void *unused)
{
	int home = open_ns("uts");
	unsigned n = 0;

	(void)unused;
	pthread_barrier_wait(&ready);
	for (;;) {
		void *p[16];
		for (int i = 0; i < 16; i++)
			p[i] = malloc(16 + (n++ % 4096));
		for (int i = 0; i < 16; i++)
			free(p[i]);
		if (setns(target, CLONE_NEWUTS) != 0 || setns(home, CLONE_NEWUTS) != 0)
			abort();
	}
}

int main(void)
{
	pthread_t t;

	need_namespaces();
	target = make_ns(CLONE_NEWUTS, "uts");
	pthread_barrier_init(&ready, NULL, HAMMERS + 2);
	pthread_create(&t, NULL, leaker, NULL);
	for (int i = 0; i < HAMMERS; i++)
		pthread_create(&t, NULL, hammer, NULL);
	pthread_barrier_wait(&ready);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		void *p = malloc(100);
		free(p);
	}
}
