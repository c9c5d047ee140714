/* The child of fork() starts a fresh registry, leaks a thread, and
 * reports under its own pid; the parent stays clean. */
#include "common.h"
#include <sys/wait.h>

static int nsfd;

__attribute__((noinline)) static void child_leaks(void)
{
	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
}

static void *leaker(void *p)
{
	(void)p;
	say_tid("child_leaker");
	child_leaks();
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	pthread_t t[3];
	pid_t pid;
	int st;

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	/* The parent has 2 threads.  Its second must be parked before the
	 * fork: one still starting may hold an allocator lock (ASan's, which
	 * nothing releases in the child), and the child would hang on it. */
	start_threads(bystander);
	pthread_barrier_wait(&ready);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		printf("child %d\n", (int)getpid());
		pthread_barrier_init(&ready, NULL, 3);
		pthread_create(&t[1], NULL, leaker, NULL);
		pthread_create(&t[2], NULL, bystander, NULL);
		pthread_barrier_wait(&ready);
		return 0;
	}
	waitpid(pid, &st, 0);
	printf("parent %d child_status %d\n", (int)getpid(), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
