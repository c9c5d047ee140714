/* A process with a thread left in another uts namespace, killed by
 * SIGKILL before it can end by exit_group: namspill -- must not take it
 * for a process that made no switch.  killed_moved MODE [FILE]:
 *   pidns    the process is pid 1 of a pid namespace of its own and has
 *            switched; a fork child, pid 1 of a further one, leaves a
 *            thread in another uts namespace (the child's pid is the one
 *            its parent told the supervisor about)
 *   pidns-clone  the same, the child made by syscall(SYS_clone) (no
 *            fork handler runs in it)
 *   sandbox  a fork child whose own seccomp filter refuses getpid leaves
 *            a thread in another uts namespace
 *   exec FILE    the process switches and comes back, execs FILE (which
 *            is there but cannot run), then leaves a thread in another
 *            uts namespace
 *   x32      the process, before any other switch, calls
 *            unshare(CLONE_NEWUTS) by its x32 number (which fails with
 *            ENOSYS where the kernel has no x32 entry), then starts a
 *            thread; prints "moved" and is killed
 * The killed process prints "moved" once its thread is in place. */
#include "common.h"
#include "deny.h"
#include <signal.h>
#include <sys/wait.h>

static int elsewhere, ready_pipe[2];

/* A uts namespace other than ours, as a descriptor; we stay home. */
static int other_uts(void)
{
	int home = open_ns("uts"), fd;

	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	fd = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(home, CLONE_NEWUTS) != 0)
		abort();
	close(home);
	return fd;
}

static void *leave(void *unused)
{
	(void)unused;
	if (setns(elsewhere, CLONE_NEWUTS) != 0)
		abort();
	if (write(ready_pipe[1], "m", 1) != 1)
		abort();
	return park();
}

/* Leaves a thread elsewhere, says so, waits to be killed. */
static void spill_and_wait(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, leave, NULL))
		abort();
	park();
}

/* Runs fn in a fork child, kills it once its thread is elsewhere. */
static void child_killed(void (*fn)(void))
{
	pid_t c = fork();
	char m;
	int st;

	if (c < 0)
		abort();
	if (c == 0) {
		fn();
		_exit(0);
	}
	if (read(ready_pipe[0], &m, 1) != 1)
		abort();
	printf("moved\n");
	fflush(stdout);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
}

static void sandboxed(void)
{
	if (deny_syscall(SYS_getpid))
		abort();
	spill_and_wait();
}

static int by_clone;

/* pid 1 of a pid namespace: switches (told as pid 1), then a child in a
 * further pid namespace, pid 1 there too, spills. */
static void pid_one(void)
{
	pid_t c;
	char m;

	if (unshare(CLONE_NEWPID) != 0)
		abort();
	if (!by_clone) {
		child_killed(spill_and_wait);
		return;
	}
	/* As fork, on a copy of this stack (one of its own would be a
	 * stack a sanitizer does not know). */
	c = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0L);
	if (c == 0) {
		spill_and_wait();
		_exit(0);
	}
	if (c < 0 || read(ready_pipe[0], &m, 1) != 1)
		abort();
	printf("moved\n");
	fflush(stdout);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	need_namespaces();
	if (pipe(ready_pipe))
		abort();
	if (!strcmp(mode, "x32")) {
		pthread_t t;
		long r = syscall(0x40000000L | SYS_unshare, CLONE_NEWUTS);
		printf("x32 unshare: %ld\n", r);
		if (pthread_create(&t, NULL, park_thread, NULL))
			abort();
		printf("moved\n");
		fflush(stdout);
		kill(getpid(), SIGKILL);
	}
	elsewhere = other_uts();
	by_clone = !strcmp(mode, "pidns-clone");
	if (by_clone || !strcmp(mode, "pidns")) {
		pid_t c;
		int st;
		if (unshare(CLONE_NEWPID) != 0)
			abort();
		if ((c = fork()) == 0) {
			pid_one();
			_exit(0);
		}
		waitpid(c, &st, 0);
		return 0;
	}
	if (!strcmp(mode, "sandbox")) {
		child_killed(sandboxed);
		return 0;
	}
	if (!strcmp(mode, "exec") && argc > 2) {
		char *av[] = { argv[2], NULL };
		pid_t me = getpid();
		pthread_t t;
		char m;
		execv(argv[2], av);
		if (pthread_create(&t, NULL, leave, NULL) || read(ready_pipe[0], &m, 1) != 1)
			abort();
		printf("moved\n");
		fflush(stdout);
		kill(me, SIGKILL);
	}
	return 2;
}
