/* Threads that keep the allocator and setns busy (a round trip into a uts
 * namespace and back, over and over) while the test kills the process
 * with SIGTERM at some moment: the report must come whole whatever lock
 * the interrupted threads held.  One leaker stays in its namespace.
 * With argv[1] = "exit-handler" main takes SIGTERM itself, in the middle
 * of its own malloc loop, with a handler that calls exit(0): the exit
 * report then runs inside that handler. */
#include "common.h"
#include <malloc.h>
#include <signal.h>

#define HAMMERS 6

static int target;
static volatile size_t arena_seen;

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

static void bye(int sig)
{
	(void)sig;
	exit(0);
}

int main(int argc, char **argv)
{
	pthread_t t;
	sigset_t term;

	need_namespaces();
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (argc > 1 && !strcmp(argv[1], "exit-handler")) {
		signal(SIGTERM, bye);
		pthread_sigmask(SIG_BLOCK, &term, NULL); /* threads made now keep it blocked */
	}
	target = make_ns(CLONE_NEWUTS, "uts");
	pthread_barrier_init(&ready, NULL, HAMMERS + 2);
	pthread_create(&t, NULL, uts_leaker, NULL);
	for (int i = 0; i < HAMMERS; i++)
		pthread_create(&t, NULL, hammer, NULL);
	pthread_barrier_wait(&ready);
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	printf("ready\n");
	fflush(stdout);
	/* Sizes past the thread cache take the arena lock, and mallinfo2()
	 * holds it while it walks every bin: main is nearly always inside
	 * the allocator when the signal comes. */
	for (unsigned n = 0;; n++) {
		void *p = malloc(2048 + (n * 4096) % 65536);
		struct mallinfo2 mi = mallinfo2();
		free(p);
		arena_seen = mi.arena; /* 0 under ASan: its allocator is not glibc's */
	}
}
