/* The files namspill writes for the user (--json, --junit, --keep-logs)
 * are written as root in many CI jobs, often into directories others can
 * write.  None is ever written through a name: each is created under a
 * temporary name of its own, exclusively and never through a link
 * (nsp_file_create, as the library's reports are), and renamed into
 * place, which replaces a link or another file's name without touching
 * what it pointed to.  A --keep-logs directory that exists must be ours. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "cli.h"

/* The directory part of path, opened; name points at the rest. */
static int open_dir_of(const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	char dir[CLI_PATH];

	*name = slash ? slash + 1 : path;
	if (!slash)
		return open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if ((size_t)(slash - path) + 2 > sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash == path ? 1 : slash - path] = 0;
	if (slash == path)
		dir[0] = '/';
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int cli_out_open(struct cli_out *o, const char *opt, const char *path)
{
	const char *name;
	struct stat st;
	int e;

	o->opt = opt;
	o->path = path;
	o->fd = -1;
	o->dirfd = open_dir_of(path, &name);
	if (o->dirfd < 0) {
		cli_err("%s: cannot write %s: %s", opt, path, strerror(errno));
		return -1;
	}
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..") ||
	    (fstatat(o->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))) {
		cli_err("%s: cannot write %s: it names a directory", opt, path);
		cli_out_drop(o);
		return -1;
	}
	snprintf(o->name, sizeof(o->name), "%s", name);
	if ((e = nsp_file_create(o->dirfd, o->name, o->tmp, sizeof(o->tmp))) < 0) {
		cli_err("%s: cannot write %s: %s", opt, path, strerror(-e));
		cli_out_drop(o);
		return -1;
	}
	o->fd = e;
	return 0;
}

/* Whether the temporary file is still in place under its name: the
 * command may have cleaned its work tree meanwhile. */
static int still_there(const struct cli_out *o)
{
	struct stat a, b;

	return fstat(o->fd, &a) == 0 && fstatat(o->dirfd, o->tmp, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

FILE *cli_out_stream(struct cli_out *o)
{
	FILE *f;
	int e;

	if (!still_there(o)) {
		close(o->fd);
		o->tmp[0] = 0; /* not ours any more, whatever is there */
		if ((e = nsp_file_create(o->dirfd, o->name, o->tmp, sizeof(o->tmp))) < 0) {
			o->fd = -1;
			cli_err("%s: cannot write %s: %s", o->opt, o->path, strerror(-e));
			return NULL;
		}
		o->fd = e;
	}
	f = fdopen(o->fd, "w");

	if (!f)
		cli_err("%s: cannot write %s: %s", o->opt, o->path, strerror(errno));
	else
		o->fd = -1; /* the stream owns it now */
	return f;
}

int cli_out_commit(struct cli_out *o, FILE *f)
{
	int bad = !f || ferror(f);

	if (f && fclose(f))
		bad = 1;
	if (!bad && renameat(o->dirfd, o->tmp, o->dirfd, o->name))
		bad = 1;
	if (bad)
		cli_err("%s: cannot write %s: %s", o->opt, o->path, strerror(errno));
	else
		o->tmp[0] = 0; /* in place: nothing to remove */
	cli_out_drop(o);
	return bad ? -1 : 0;
}

void cli_out_drop(struct cli_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->dirfd >= 0 && o->tmp[0])
		unlinkat(o->dirfd, o->tmp, 0);
	if (o->dirfd >= 0)
		close(o->dirfd);
	o->fd = o->dirfd = -1;
	o->tmp[0] = 0;
}

int cli_keep_dir(const char *path)
{
	struct stat ln, st;
	int fd;

	if (mkdir(path, 0777) && errno != EEXIST) {
		cli_err("--keep-logs: cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	/* Ours, and so is a link that leads there: a directory or a link
	 * someone else made could send the copies anywhere, or give them
	 * the reports. */
	if (lstat(path, &ln) || (fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		cli_err("--keep-logs: cannot use %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || st.st_uid != geteuid() || ln.st_uid != geteuid()) {
		cli_err("--keep-logs: %s is not ours (owned by uid %u): not writing reports "
			"into it", path, (unsigned)(ln.st_uid != geteuid() ? ln.st_uid : st.st_uid));
		close(fd);
		return -1;
	}
	return fd;
}

int cli_put_file(int dirfd, const char *name, const char *data, size_t len)
{
	char tmp[CLI_PATH];
	int fd = nsp_file_create(dirfd, name, tmp, sizeof(tmp)), e = 0;

	if (fd < 0) {
		errno = -fd;
		return -1;
	}
	e = -nsp_write_all(fd, data, len);
	if (close(fd) && !e)
		e = errno;
	if (!e && renameat(dirfd, tmp, dirfd, name))
		e = errno;
	if (e) {
		unlinkat(dirfd, tmp, 0);
		errno = e;
		return -1;
	}
	return 0;
}

int cli_outputs_open(struct cli *c)
{
	c->json_out.fd = c->json_out.dirfd = -1;
	c->junit_out.fd = c->junit_out.dirfd = -1;
	c->sarif_out.fd = c->sarif_out.dirfd = -1;
	c->keep_fd = -1;
	if (c->json && cli_out_open(&c->json_out, "--json", c->json))
		return -1;
	if (c->junit && cli_out_open(&c->junit_out, "--junit", c->junit))
		return -1;
	if (c->sarif && cli_out_open(&c->sarif_out, "--sarif", c->sarif))
		return -1;
	if (c->keep_logs && (c->keep_fd = cli_keep_dir(c->keep_logs)) < 0)
		return -1;
	return 0;
}

void cli_outputs_close(struct cli *c)
{
	cli_out_drop(&c->json_out);
	cli_out_drop(&c->junit_out);
	cli_out_drop(&c->sarif_out);
	if (c->keep_fd >= 0)
		close(c->keep_fd);
	c->keep_fd = -1;
}
