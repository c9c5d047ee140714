/* Files opened at start-up, for reports written later from a thread that
 * may sit in another mount namespace (where paths lead elsewhere).  They
 * live at high fd numbers, out of the way of a program that expects the
 * lowest free ones, and are checked before each use: a program that
 * closes every fd, or reuses the number, makes us fall back to paths. */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/anchor.h"

static int high_floor(void)
{
	struct rlimit rl;
	rlim_t top = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < top)
		top = rl.rlim_cur;
	return top > 64 ? (int)(top - 32) : 3;
}

void nsp_anchor_open(struct nsp_anchor *a, const char *path, int flags)
{
	struct stat st;
	int fd = open(path, flags | O_CLOEXEC), hi;

	a->fd = -1;
	if (fd < 0)
		return;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, high_floor());
	if (hi >= 0) {
		close(fd);
		fd = hi;
	}
	if (fstat(fd, &st)) {
		close(fd);
		return;
	}
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	a->fd = fd;
}

int nsp_anchor_fd(const struct nsp_anchor *a)
{
	struct stat st;

	if (a->fd < 0 || fstat(a->fd, &st) || st.st_dev != a->dev || st.st_ino != a->ino)
		return -1;
	return a->fd;
}
