/* A plain test program, no framework: NAMSPILL_ASSERT_UNIFORM() prints the
 * report on stderr and aborts when a thread was left in another namespace.
 * Give it an argument to make the worker forget to switch back. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include <namspill.h>

static int sandbox = -1; /* a network namespace of our own */
static int forget;
static pthread_barrier_t done;

static void *make_sandbox(void *unused)
{
	(void)unused;
	if (unshare(CLONE_NEWNET) == 0)
		sandbox = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return NULL; /* the thread ends: it leaves nothing behind */
}

/* The code under test: a pool thread that configures the sandbox. */
static void *worker(void *unused)
{
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	(void)unused;
	setns(sandbox, CLONE_NEWNET);
	/* ... bring up interfaces in the sandbox ... */
	if (!forget)
		setns(home, CLONE_NEWNET);
	close(home);
	pthread_barrier_wait(&done);
	for (;;)
		pause(); /* waits for more work */
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	forget = argc > 1;
	pthread_create(&t, NULL, make_sandbox, NULL);
	pthread_join(t, NULL);
	if (sandbox < 0) {
		fprintf(stderr, "%s: skip: cannot create a network namespace\n", argv[0]);
		return 77;
	}
	pthread_barrier_init(&done, NULL, 2);
	pthread_create(&t, NULL, worker, NULL);
	pthread_barrier_wait(&done);

	NAMSPILL_ASSERT_UNIFORM();
	puts("every thread is in the namespaces it started in");
	return 0;
}
