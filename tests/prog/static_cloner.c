/* Built with -static: no preload reaches it.  Starts argv[1..] as a child
 * born in a new network namespace (clone with CLONE_NEWNET, the raw
 * system call, as a container runtime or Go's SysProcAttr.Cloneflags
 * does), prints the child's pid and waits for it.  "static_cloner
 * thread": see thread_away; "static_cloner idle": four threads that never
 * switch, left running as main returns. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

/* "thread": a thread instead, born in a new uts namespace by glibc's
 * clone() (the clone system call, CLONE_THREAD with CLONE_NEWUTS), that
 * stays there while main returns. */
static char stack[64 << 10] __attribute__((aligned(16)));

static int born_away(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return 0;
}

static int thread_away(void)
{
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_NEWUTS;

	if (clone(born_away, stack + sizeof(stack), flags, NULL) < 0) {
		if (errno == EPERM)
			return 77; /* no CAP_SYS_ADMIN */
		perror("clone(CLONE_THREAD | CLONE_NEWUTS)");
		return 1;
	}
	usleep(50000); /* born and parked */
	return 0;
}

int main(int argc, char **argv)
{
	long pid;
	int status;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "thread"))
		return thread_away();
	if (!strcmp(argv[1], "idle")) { /* threads that never switch */
		pthread_t t;
		for (int i = 0; i < 4; i++)
			if (pthread_create(&t, NULL, park_thread, NULL))
				abort();
		return 0;
	}
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
