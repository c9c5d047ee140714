/* Several threads need libunwind at the same moment, for the first time
 * in the process: each enters a namespace from under deep_state_frame,
 * whose CFI the shim's own walker leaves to libunwind, all released
 * together by a barrier.  Whichever thread loads libunwind, every one of
 * them must get its stack.  Prints "spilled TID" for each; more threads
 * stay home than switch, so home is the majority. */
#include "common.h"
#include "deep_state_frame.h"

#define RACERS 6

static int nsfd;
static pthread_barrier_t start, done;

__attribute__((noinline)) static void enter(void *unused)
{
	(void)unused;
	if (setns(nsfd, CLONE_NEWUTS) != 0)
		abort();
	printf("spilled %d\n", (int)tid_now());
	fflush(stdout);
}

__attribute__((noinline)) static void *racer(void *unused)
{
	(void)unused;
	pthread_barrier_wait(&start);
	deep_state_frame(enter, NULL);
	pthread_barrier_wait(&done);
	return park();
}

static void *stays_home(void *unused)
{
	(void)unused;
	pthread_barrier_wait(&done);
	return park();
}

int main(void)
{
	pthread_t t;

	need_namespaces();
	nsfd = make_ns(CLONE_NEWUTS, "uts");
	pthread_barrier_init(&start, NULL, RACERS);
	pthread_barrier_init(&done, NULL, 2 * RACERS + 1);
	for (int i = 0; i < RACERS; i++) {
		pthread_create(&t, NULL, racer, NULL);
		pthread_create(&t, NULL, stays_home, NULL);
	}
	pthread_barrier_wait(&done);
	return 0;
}
