/* The descriptors a program sees around the library's reports: one line
 * "fds: N=what ..." at start, after a report on request (report_signal
 * SIGUSR1) taken on main, after one taken on a thread that moved to a
 * mount namespace of its own (root only: its report is taken from home
 * by a helper), and in an atexit handler, after the exit report.  Every
 * line must be the first one. */
#include "common.h"
#include <dirent.h>
#include <signal.h>

static void at_exit(void)
{
	print_fds("atexit");
}

static _Atomic int asked, answered;

static void *moves_mounts(void *unused)
{
	(void)unused;
	if (unshare(CLONE_FS | CLONE_NEWNS) != 0)
		abort();
	pthread_barrier_wait(&ready);
	/* Takes its report when main asks, then says so. */
	while (!asked)
		usleep(1000);
	raise(SIGUSR1);
	answered = 1;
	return park();
}

int main(void)
{
	int root = geteuid() == 0;

	atexit(at_exit);
	print_fds("start");
	need_namespaces();
	if (root)
		start_threads(uts_leaker, moves_mounts, bystander);
	else
		start_threads(uts_leaker, bystander);
	pthread_barrier_wait(&ready);
	raise(SIGUSR1);
	print_fds("request on main");
	if (root) {
		asked = 1;
		while (!answered)
			usleep(1000);
		print_fds("request away");
	}
	return 0;
}
