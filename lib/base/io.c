/* Whole reads and writes of a descriptor with plain system calls,
 * retried on EINTR and short counts.  Usable from a signal handler. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/helpers.h"
#include "base/io.h"

/* What fds 1 and 2 were at start-up (st_dev, st_ino; closed: 0, 0).  A
 * standard descriptor that now holds something else (the program closed
 * it and opened a file of its own under the number, or put another file
 * there) is not ours to write to. */
static struct {
	_Atomic uint64_t dev, ino;
} std_at_start[3];
static _Atomic int std_checked;

NSP_STARTUP static int identity(int fd, uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	/* The system call itself: start-up of every process calls this, and
	 * the C library's fstat would cost its lookup there. */
	if (nsp_raw_syscall(SYS_fstat, fd, (long)&st, 0, 0))
		return -1;
	*dev = (uint64_t)st.st_dev;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

NSP_STARTUP void nsp_out_check_std(void)
{
	for (int fd = 1; fd <= 2; fd++) {
		uint64_t dev = 0, ino = 0;
		identity(fd, &dev, &ino);
		atomic_store(&std_at_start[fd].dev, dev);
		atomic_store(&std_at_start[fd].ino, ino);
	}
	atomic_store(&std_checked, 1);
}

static int std_still_ours(int fd)
{
	uint64_t dev, ino;

	if (fd < 1 || fd > 2 || !atomic_load(&std_checked))
		return 1;
	return !identity(fd, &dev, &ino) && dev == atomic_load(&std_at_start[fd].dev) &&
	       ino == atomic_load(&std_at_start[fd].ino) && (dev || ino);
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
	if (!std_still_ours(fd))
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
