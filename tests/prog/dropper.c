/* Processes that move out of namspill's reach before they end: a worker
 * leaves itself in a uts namespace of its own, then
 *   dropper setuid   the process drops root for nobody (as daemons do):
 *                    no longer dumpable, it cannot write into a directory
 *                    of root's;
 *   dropper tmpfs    main moves to a mount namespace of its own and mounts
 *                    an empty tmpfs over /tmp;
 * then exit(0). */
#include "common.h"
#include <sys/mount.h>

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "setuid";

	if (geteuid() != 0) {
		fprintf(stderr, "skip: needs root\n");
		return SKIP;
	}
	start_threads(uts_leaker, bystander);
	pthread_barrier_wait(&ready);
	say_tid("main");
	if (!strcmp(how, "setuid")) {
		if (setgid(65534) || setuid(65534))
			return 3;
	} else if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		   mount("none", "/tmp", "tmpfs", 0, NULL)) {
		fprintf(stderr, "skip: cannot mount a private /tmp (%s)\n", strerror(errno));
		return SKIP;
	}
	return 0;
}
