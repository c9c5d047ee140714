/* setns(pidfd, CLONE_NEWNET|CLONE_NEWUTS) into a child process's
 * namespaces: one call, two types changed. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int pidfd;

__attribute__((noinline)) static void join_child_namespaces(void)
{
	if (setns(pidfd, CLONE_NEWNET | CLONE_NEWUTS) != 0) {
		fprintf(stderr, "skip: setns(pidfd) failed: %s\n", strerror(errno));
		exit(SKIP);
	}
}

static void *leaker(void *p)
{
	(void)p;
	say_tid("leaker");
	join_child_namespaces();
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	int pipefd[2];
	pid_t child;
	char c;

	need_namespaces();
	if (pipe(pipefd))
		return 1;
	child = fork();
	if (child == 0) {
		if (unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0)
			_exit(SKIP);
		write(pipefd[1], "x", 1);
		pause();
		_exit(0);
	}
	if (read(pipefd[0], &c, 1) != 1) {
		fprintf(stderr, "skip: child could not unshare\n");
		return SKIP;
	}
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd < 0) {
		fprintf(stderr, "skip: pidfd_open: %s\n", strerror(errno));
		kill(child, SIGKILL);
		return SKIP;
	}
	start_threads(leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return 0;
}
