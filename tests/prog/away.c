/* The thread that writes the report is away from home: it moved to a
 * mount namespace of its own and hid /proc and the log directory (argv[1])
 * under empty tmpfs mounts there, then calls exit() (or, with argv[2] =
 * "signal", takes a SIGTERM).  The report must still see the real /proc,
 * land in the real log directory and name its frames. */
#include "common.h"
#include <signal.h>
#include <sys/mount.h>

static const char *logdir;
static int by_signal;

static void *away(void *unused)
{
	sigset_t term;

	(void)unused;
	if (unshare(CLONE_FS | CLONE_NEWNS) != 0) {
		fprintf(stderr, "skip: cannot unshare a mount namespace (%s)\n", strerror(errno));
		exit(SKIP);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("none", "/proc", "tmpfs", 0, NULL) != 0 ||
	    mount("none", logdir, "tmpfs", 0, NULL) != 0) {
		fprintf(stderr, "skip: cannot mount over /proc (%s)\n", strerror(errno));
		exit(SKIP);
	}
	say_tid("away");
	pthread_barrier_wait(&ready);
	if (!by_signal)
		exit(0);
	/* Only this thread takes SIGTERM. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_UNBLOCK, &term, NULL);
	printf("ready\n");
	fflush(stdout);
	return park();
}

int main(int argc, char **argv)
{
	sigset_t term;

	if (argc < 2)
		return 2;
	logdir = argv[1];
	by_signal = argc > 2 && !strcmp(argv[2], "signal");
	if (geteuid() != 0) {
		fprintf(stderr, "skip: mounting needs root\n");
		return SKIP;
	}
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &term, NULL);
	start_threads(away, bystander, bystander);
	say_tid("main");
	pthread_barrier_wait(&ready);
	return park() != NULL;
}
