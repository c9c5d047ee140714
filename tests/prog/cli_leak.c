/* For the CLI tests (tests/cli/, bats).  cli_leak MODE [STATUS]:
 *   leak     a worker enters a net namespace in leaky_worker() and stays;
 *            two bystanders keep the majority; exit STATUS (default 0)
 *   clean    the same threads, the worker goes home again
 *   wait     leak, print "ready", then wait to be killed (a signal that
 *            is handled, such as namspill's report_signal, does not end it)
 *   uniform  clean, print "ready", then wait to be killed
 *   threads  start a thread, then _exit(STATUS): no report
 *   handler  wait, with a SIGUSR2 handler of its own that prints
 *            "own handler ran"
 *   chdir    wait, after chdir("/") (a relative log_path stays where the
 *            process started) */
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

static void own_handler(int sig)
{
	static const char m[] = "own handler ran\n";
	(void)sig;
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(3);
}

static void wait_to_be_killed(void)
{
	printf("ready\n");
	fflush(stdout);
	park();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "leak";
	int status = argc > 2 ? atoi(argv[2]) : 0;
	pthread_t t[3];

	if (!strncmp(mode, "threads", 7)) {
		/* threads: started one, ends by _exit; threads-wait: waits to be
		 * killed; threads-kill: kills itself (SIGKILL leaves no report). */
		pthread_create(&t[0], NULL, park_thread, NULL);
		if (!strcmp(mode, "threads-wait"))
			return park() != NULL;
		if (!strcmp(mode, "threads-kill"))
			raise(SIGKILL);
		_exit(status);
	}
	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	go_home = !strcmp(mode, "clean") || !strcmp(mode, "uniform");
	start_threads(worker, bystander, bystander);
	pthread_barrier_wait(&ready);
	if (!strcmp(mode, "handler"))
		signal(SIGUSR2, own_handler);
	if (!strcmp(mode, "chdir") && chdir("/") != 0)
		abort();
	if (!strcmp(mode, "wait") || !strcmp(mode, "uniform") || !strcmp(mode, "handler") ||
	    !strcmp(mode, "chdir"))
		wait_to_be_killed();
	return status;
}
