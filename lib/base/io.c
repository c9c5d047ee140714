/* Whole reads and writes of a descriptor with plain system calls,
 * retried on EINTR and short counts.  Usable from a signal handler. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"

static _Atomic unsigned std_closed; /* bit fd: fd 1 or 2 was closed at start */

void nsp_out_check_std(void)
{
	for (int fd = 1; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			atomic_fetch_or(&std_closed, 1u << fd);
}

/* A reader that went away must not kill the program with SIGPIPE because
 * of our output: block it around the write and take back a SIGPIPE that
 * this write raised (it is sent to the writing thread). */
static ssize_t write_quiet(int fd, const char *s, size_t n)
{
	static const struct timespec zero;
	sigset_t pipe, old, pending;
	ssize_t w;
	int e, was;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	was = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	w = write(fd, s, n);
	e = errno;
	if (w < 0 && e == EPIPE && !was)
		sigtimedwait(&pipe, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return w;
}

int nsp_write_all(int fd, const char *s, size_t n)
{
	/* A standard fd closed when the program started is not ours to
	 * write: the program may have opened a file of its own under it. */
	if (fd >= 1 && fd <= 2 && (atomic_load(&std_closed) >> fd) & 1)
		return -EBADF;
	while (n) {
		ssize_t w = write_quiet(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

ssize_t nsp_read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}
