/* Running the command tree.  We are a child subreaper, so every process
 * of the tree stays below us even when its parent dies.  SIGINT, SIGTERM
 * and SIGHUP sent to us (kill, a CI timeout) go to every process below
 * us; from the terminal they reached the whole foreground group already.
 * After such a signal, nothing of the tree outlives us: what is left when
 * the command has ended gets the signal again, then SIGKILL after a grace
 * period.  If we are killed outright, the command gets SIGKILL (its
 * parent-death signal) and, under the tracer, so does all of the tree. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define GRACE_SECONDS 3

static void watched(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
}

static void start(char **argv, pid_t parent, const sigset_t *mask, int err, int go,
		  const struct run_setup *setup, int chld_ignored)
{
	char c, path[CLI_PATH];
	int e;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(CLI_FAILED); /* we are already gone */
	if (setup && setup->child && (e = setup->child(setup->ctx))) {
		fprintf(stderr, "namspill: cannot watch the tree: %s\n", strerror(-e));
		_exit(CLI_FAILED);
	}
	/* Until namspill is ready for the tree. */
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	close(go);
	sigprocmask(SIG_SETMASK, mask, NULL);
	cli_restore_sigpipe();
	/* The command ignores SIGCHLD if we were started so (its children
	 * are then reaped for it, and wait() says ECHILD), as without us. */
	if (chld_ignored)
		signal(SIGCHLD, SIG_IGN);
	/* Each exec execvp tries along PATH would be a stop of the
	 * supervisor's: the file is found first, with stat.  What execv
	 * cannot run (a script without "#!", which execvp gives to /bin/sh)
	 * goes to execvp. */
	if (cli_resolve(argv[0], path, sizeof(path)))
		execv(path, argv);
	execvp(argv[0], argv);
	e = errno;
	if (write(err, &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = ENOENT;
	_exit(e == ENOENT ? CLI_NOTFOUND : CLI_NOEXEC);
}

/* Reaps what has ended; 1 once the command has.  Others are orphans of
 * the tree we adopted: their end is told to the setup. */
static int reap(pid_t child, int *status, const struct run_setup *setup)
{
	int st, done = 0;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (p == child) {
			*status = st;
			done = 1;
		} else if (setup && setup->reaped) {
			setup->reaped(setup->ctx, p, st);
		}
	}
	return done;
}

/* The command has ended after a forwarded signal: the rest of the tree
 * gets the same signal, then SIGKILL if it is still there. */
static void settle(int sig, const sigset_t *set)
{
	struct timespec end, now, left;
	siginfo_t si;

	if (!cli_signal_tree(sig, 0))
		return;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += GRACE_SECONDS;
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_nsec += 1000000000L;
			left.tv_sec--;
		}
		if (left.tv_sec < 0)
			break;
		if (sigtimedwait(set, &si, &left) < 0) {
			if (errno == EINTR)
				continue;
			break; /* grace period over */
		}
		if (si.si_signo != SIGCHLD)
			break; /* asked again: no more grace */
	}
	cli_signal_tree(SIGKILL, 0);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

/* Whether our children go to a pid namespace other than ours: after its
 * first process has ended, every fork there fails with ENOMEM. */
static int children_pidns_gone(void)
{
	struct stat own, kids;

	return !stat("/proc/self/ns/pid", &own) && !stat("/proc/self/ns/pid_for_children", &kids) &&
	       own.st_ino != kids.st_ino;
}

int cli_run(char **argv, int traced, const struct run_setup *setup, int *code,
	    pid_t *pid)
{
	sigset_t set, old;
	pid_t child, parent = getpid();
	int pipefd[2], go[2], e = 0, status = 0, forwarded = 0, chld_ignored;
	siginfo_t si;

	watched(&set);
	/* An inherited SIG_IGN would reap for us; the command gets it back. */
	chld_ignored = signal(SIGCHLD, SIG_DFL) == SIG_IGN;
	sigprocmask(SIG_BLOCK, &set, &old);
	*code = CLI_FAILED;
	if (pipe2(pipefd, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		cli_err("pipe: %s", strerror(errno));
		return -1;
	}
	child = fork();
	if (child < 0) {
		e = errno;
		cli_err("fork: %s%s", strerror(e),
			e == ENOMEM && children_pidns_gone() ?
				": the pid namespace our children start in has no first process any "
				"more (under unshare --pid without --fork, namspill's first child was that "
				"process, and it has ended; use unshare --pid --fork)" : "");
		return -1;
	}
	if (child == 0) {
		close(pipefd[0]);
		close(go[1]);
		start(argv, parent, &old, pipefd[1], go[0], setup, chld_ignored);
	}
	close(pipefd[1]);
	close(go[0]);
	/* What the setup starts (the keeper) must not be ours to wait for:
	 * it is started before we adopt orphans. */
	if (setup && setup->parent && setup->parent(setup->ctx, child)) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return -1;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	close(go[1]); /* the command may go */
	if (read(pipefd[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		close(pipefd[0]);
		waitpid(child, NULL, 0);
		cli_err("cannot run %s: %s", argv[0], strerror(e));
		*code = e == ENOENT ? CLI_NOTFOUND : CLI_NOEXEC;
		return -1;
	}
	close(pipefd[0]);
	*pid = child;
	for (;;) {
		if (reap(child, &status, setup))
			break;
		if (sigwaitinfo(&set, &si) < 0 || si.si_signo == SIGCHLD)
			continue;
		if (si.si_code <= 0) { /* kill(), sigqueue(), tgkill(): not the terminal */
			/* The tracer is left out: it would pass the signal on again. */
			cli_signal_tree(si.si_signo, traced ? child : 0);
			forwarded = si.si_signo;
		}
	}
	if (forwarded)
		settle(forwarded, &set);
	return status;
}
