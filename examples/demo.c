/* A small program with a classic namespace spill: a worker enters a
 * network namespace to configure it, and its way back fails unnoticed: it
 * passes CLONE_NEWNS (the mount namespace's flag) for CLONE_NEWNET, which
 * setns refuses on a network namespace fd, and nobody checks.  Later work
 * scheduled on that worker runs in the wrong namespace.  Run it under
 * namspill to see the report:
 *
 *     make demo
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sandbox_ns = -1; /* the namespace the helper sets up */

/* Pretend to bring up an interface. */
static int bring_up_interface(const char *name)
{
	(void)name;
	return 0;
}

static int configure_sandbox(void)
{
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (home < 0 || setns(sandbox_ns, CLONE_NEWNET) != 0)
		return -1;
	bring_up_interface("veth0");
	setns(home, CLONE_NEWNS); /* BUG: the mount namespace's flag; fails, unchecked */
	close(home);
	return 0;
}

static void *worker(void *arg)
{
	(void)arg;
	if (configure_sandbox() != 0)
		fprintf(stderr, "demo: configure_sandbox failed: %s\n", strerror(errno));
	else
		fprintf(stderr, "demo: sandbox configured\n");
	/* A pool thread: it now waits for requests, and would serve them
	 * from the sandbox namespace. */
	for (;;)
		pause();
	return NULL;
}

/* A healthy pool thread: waits for requests in the host namespace. */
static void *idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

/* Make a namespace to enter: a thread unshares, keeps an fd, goes home. */
static void *make_sandbox(void *arg)
{
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	(void)arg;
	if (home >= 0 && unshare(CLONE_NEWNET) == 0) {
		sandbox_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		setns(home, CLONE_NEWNET);
	}
	close(home);
	return NULL;
}

int main(void)
{
	pthread_t t[3];

	/* Without root, a user namespace of our own gives us the right to
	 * make network namespaces (while we are still single-threaded). */
	if (geteuid() != 0 && unshare(CLONE_NEWUSER) != 0) {
		fprintf(stderr, "demo: needs root or unprivileged user namespaces\n");
		return 77;
	}
	pthread_create(&t[0], NULL, make_sandbox, NULL);
	pthread_join(t[0], NULL);
	if (sandbox_ns < 0) {
		fprintf(stderr, "demo: cannot create a network namespace: %s\n", strerror(errno));
		return 77;
	}
	pthread_create(&t[0], NULL, worker, NULL);
	pthread_create(&t[1], NULL, idle, NULL);
	pthread_create(&t[2], NULL, idle, NULL);
	usleep(100000); /* let the pool start, and the worker fail */
	printf("demo: done\n");
	return 0;
}
