/* A thread leaks a uts namespace; main then vforks and execs itself as a
 * clean child ("child" argument), waits, and prints the child's status. */
#include "common.h"
#include <sys/wait.h>

static void *leaker(void *p)
{
	(void)p;
	say_tid("leaker");
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	pid_t pid;
	int st;

	if (argc > 1 && !strcmp(argv[1], "child")) {
		printf("child %d\n", (int)getpid());
		return 0;
	}
	need_namespaces();
	start_threads(leaker, bystander);
	pthread_barrier_wait(&ready);
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		char *args[] = { argv[0], "child", NULL };
		execv(argv[0], args);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	printf("parent %d child_status %d\n", (int)getpid(), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
