/* The keeper.  Once the filter's listener is closed, every system call it
 * stops fails with ENOSYS: a process the tree left running (a daemon)
 * could then no longer exec, and its exit_group would fail (a Go program
 * then never ends).  So a copy of the listener lives in a process of its
 * own, out of namspill's tree and session, that does nothing while
 * namspill runs and, once namspill is gone (ended, or killed), answers
 * "carry on" to every stop until no process of the tree is left.
 *
 * It first answers the stops namspill had received and not answered
 * (their ids are in memory shared with namspill): received once, they
 * are never received again. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "watched.h"

static void carry_on(int listener, uint64_t id, size_t resp_size)
{
	struct seccomp_notif_resp *r = alloca(resp_size);

	memset(r, 0, resp_size);
	r->id = id;
	r->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, r);
}

static void keep(int listener, int parent, struct keeper_shared *shared, size_t notif_size,
		 size_t resp_size)
{
	struct pollfd pf = { parent, POLLIN, 0 };
	struct seccomp_notif *n = alloca(notif_size);

	while (poll(&pf, 1, -1) < 0 && errno == EINTR)
		;
	for (int i = 0; i < KEEPER_PENDING; i++) {
		uint64_t id = atomic_load(&shared->pending[i]);
		if (id && ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0)
			carry_on(listener, id, resp_size);
	}
	pf.fd = listener;
	for (;;) {
		if (poll(&pf, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf.revents & (POLLHUP | POLLERR))
			break; /* no process of the tree is left */
		memset(n, 0, notif_size);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, n) == 0)
			carry_on(listener, n->id, resp_size);
	}
}

/* Descriptors first..last; -1 where the kernel has no close_range. */
static int close_fds(unsigned first, unsigned last)
{
	if (first > last)
		return 0;
	return syscall(SYS_close_range, first, last, 0) && errno == ENOSYS ? -1 : 0;
}

/* Every descriptor but a and b: three close_range calls, not a thousand
 * closes. */
static void close_all_but(int a, int b)
{
	unsigned lo = (unsigned)(a < b ? a : b), hi = (unsigned)(a < b ? b : a);

	if ((lo && close_fds(0, lo - 1)) || close_fds(lo + 1, hi - 1) ||
	    close_fds(hi + 1, ~0u)) {
		for (int fd = 0; fd < 1024; fd++)
			if (fd != a && fd != b)
				close(fd);
	}
}

/* Twice forked, before namspill becomes a subreaper: not namspill's
 * child, so namspill never waits for it. */
int keeper_start(int listener, struct keeper_shared *shared, size_t notif_size, size_t resp_size)
{
	int parent = (int)syscall(SYS_pidfd_open, getpid(), 0), status;
	pid_t mid;

	if (parent < 0)
		return -1;
	mid = fork();
	if (mid < 0) {
		close(parent);
		return -1;
	}
	if (mid == 0) {
		sigset_t all;
		if (fork() != 0)
			_exit(0);
		setsid();
		prctl(PR_SET_NAME, "namspill-keep");
		sigfillset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		close_all_but(listener, parent);
		keep(listener, parent, shared, notif_size, resp_size);
		_exit(0);
	}
	close(parent);
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
