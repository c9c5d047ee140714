/* For the CLI tests (tests/cli/, bats).  cli_leak MODE [STATUS]:
 *   leak     a worker enters a net namespace in leaky_worker() and stays;
 *            two bystanders keep the majority; exit STATUS (default 0)
 *   clean    the same threads, the worker goes home again
 *   wait     leak, print "ready", then wait for a signal
 *   uniform  clean, print "ready", then wait for a signal
 *   threads  start a thread, then _exit(STATUS): no report */
#include <signal.h>

#include "common.h"

static int nsfd;
static int go_home;

__attribute__((noinline)) static void leaky_worker(void)
{
	int home = open_ns("net");

	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
	if (go_home && setns(home, CLONE_NEWNET) != 0)
		abort();
	close(home);
}

static void *worker(void *p)
{
	(void)p;
	leaky_worker();
	pthread_barrier_wait(&ready);
	return park();
}

static void wait_for_signal(void)
{
	sigset_t none;

	printf("ready\n");
	fflush(stdout);
	sigemptyset(&none);
	sigsuspend(&none);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "leak";
	int status = argc > 2 ? atoi(argv[2]) : 0;
	pthread_t t[3];

	if (!strcmp(mode, "threads")) {
		pthread_create(&t[0], NULL, park_thread, NULL);
		_exit(status);
	}
	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	go_home = !strcmp(mode, "clean") || !strcmp(mode, "uniform");
	pthread_barrier_init(&ready, NULL, 4);
	pthread_create(&t[0], NULL, worker, NULL);
	pthread_create(&t[1], NULL, bystander, NULL);
	pthread_create(&t[2], NULL, bystander, NULL);
	pthread_barrier_wait(&ready);
	if (!strcmp(mode, "wait") || !strcmp(mode, "uniform"))
		wait_for_signal();
	return status;
}
