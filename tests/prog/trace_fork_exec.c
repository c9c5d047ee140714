/* Forks; the child execs the static program argv[1] (with argv[2...]),
 * the parent waits and exits with the child's status.  Under the tracer
 * both processes report, under their own pids. */
#include "common.h"
#include <sys/wait.h>

int main(int argc, char **argv)
{
	int st;
	pid_t pid;

	if (argc < 2)
		return 2;
	say_tid("parent");
	pid = fork();
	if (pid == 0) {
		execv(argv[1], argv + 1);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	printf("child %d status %d\n", (int)pid, st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
