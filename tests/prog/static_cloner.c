/* Built with -static: no preload reaches it.  Starts argv[1..] as a child
 * born in a new network namespace (clone with CLONE_NEWNET, the raw
 * system call, as a container runtime or Go's SysProcAttr.Cloneflags
 * does), prints the child's pid and waits for it. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	long pid;
	int status;

	if (argc < 2)
		return 2;
	pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		perror("clone(CLONE_NEWNET)");
		return 1;
	}
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	printf("%ld\n", pid);
	fflush(stdout);
	waitpid((pid_t)pid, &status, 0);
	return 0;
}
