/* A thread unshares a uts namespace and returns; a destructor of its
 * thread-specific data (which runs after the library has let go of the
 * thread's record) keeps it alive.  Then ARGV[1] (default 1000) short
 * threads that each unshare too come and go on the same CPU before the
 * process exits (their records wait in the same quarantine as the
 * lingering thread's; those of threads that never switch do not): the
 * record of the lingering thread must still name its call.
 * With ARGV[2] "left", the lingering thread never switches: main unshares
 * instead and starts two threads that stay, after the short ones; the
 * lingering thread, left behind, must still be known by its creation
 * stack (start_lingerer), which a suppression may name.  With "late",
 * the lingering thread's destructor creates and joins a thread before it
 * blocks (the library makes the thread a record again then): it must
 * still be reported with its own call. */
#include "common.h"

#include <semaphore.h>

static pthread_key_t key;
static sem_t parked, never;

static int left, late;

static void *nothing(void *p)
{
	return p;
}

static void linger(void *p)
{
	pthread_t t;

	(void)p;
	if (late && (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL)))
		abort();
	sem_post(&parked);
	sem_wait(&never);
}

__attribute__((noinline)) static void isolate_hostname(void)
{
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
}

static void *lingerer(void *p)
{
	(void)p;
	say_tid("lingerer");
	if (!left)
		isolate_hostname();
	pthread_setspecific(key, &key);
	return NULL;
}

static void *switcher(void *p)
{
	if (!left && unshare(CLONE_NEWUTS) != 0)
		abort();
	return p;
}

static void *stay(void *p)
{
	sem_post(&parked);
	sem_wait(&never);
	return p;
}

__attribute__((noinline)) static void start_lingerer(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, lingerer, NULL))
		abort();
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	cpu_set_t one;
	pthread_t t;

	need_namespaces();
	/* Every thread on one CPU: their ends meet in one quarantine ring. */
	if (sched_getaffinity(0, sizeof(one), &one) == 0) {
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &one)) {
				CPU_ZERO(&one);
				CPU_SET(c, &one);
				sched_setaffinity(0, sizeof(one), &one);
				break;
			}
	}
	pthread_key_create(&key, linger);
	sem_init(&parked, 0, 0);
	sem_init(&never, 0, 0);
	left = argc > 2 && !strcmp(argv[2], "left");
	late = argc > 2 && !strcmp(argv[2], "late");
	start_lingerer();
	sem_wait(&parked);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, switcher, NULL) || pthread_join(t, NULL))
			abort();
	if (left) {
		isolate_hostname();
		for (int i = 0; i < 2; i++) {
			if (pthread_create(&t, NULL, stay, NULL))
				abort();
			sem_wait(&parked);
		}
	}
	return 0;
}
