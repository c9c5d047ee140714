/* Where a report goes: the log_path option names a file prefix, written
 * as PREFIX.<pid> (PREFIX.<pid>.request<N> for reports asked for while the
 * program runs; PREFIX.<pid>.<K> for a process whose pid an earlier one
 * that reported had), or the special names stdout and stderr.  A file is
 * written under a temporary name of its own, created exclusively and never
 * through a symbolic link, then renamed into place: a report file that
 * exists is whole, and nobody else's file is ever written through ours. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/fmt.h"
#include "base/helpers.h"
#include "report/report.h"

int nsp_log_stream(const struct nsp_options *o)
{
	if (!strcmp(o->log_path, "stdout"))
		return 1;
	if (!o->log_path[0] || !strcmp(o->log_path, "stderr"))
		return 2;
	return -1;
}

int nsp_log_taken(const char *path)
{
	struct stat st;

	/* A file of ours alone, as reports are.  A link or another's file
	 * planted there is replaced, as before (never written through). */
	return !nsp_raw_syscall(SYS_newfstatat, AT_FDCWD, (long)path, (long)&st,
				AT_SYMLINK_NOFOLLOW) &&
	       S_ISREG(st.st_mode) && st.st_nlink == 1 && st.st_uid == geteuid();
}

unsigned nsp_log_free(const struct nsp_options *o, pid_t pid, const uint64_t who[2],
		      int (*other)(unsigned k, void *ctx), void *ctx)
{
	char path[NSP_MAX_PATH + 32];
	unsigned k;

	for (k = 0; k < NSP_LOG_LATER_MAX; k++) {
		if (nsp_log_name(o, pid, who, k, "", 0, path, sizeof(path)))
			break;
		if (!nsp_log_taken(path) && (!other || !other(k, ctx)))
			break;
	}
	return k;
}

int nsp_log_name(const struct nsp_options *o, pid_t pid, const uint64_t who[2], unsigned k,
		 const char *kind, unsigned n, char *path, size_t cap)
{
	/* "." pid "-" ns "-" id "." k, then kind, then n */
	char tail[4 * NSP_NUM_MAX + 4], nb[NSP_NUM_MAX];
	size_t len = strlen(o->log_path), t = 0, lk = strlen(kind);
	size_t ln = n ? nsp_fmt_dec(nb, n) : 0;

	tail[t++] = '.';
	t += nsp_fmt_dec(tail + t, (uint64_t)pid);
	if (who && who[0]) {
		tail[t++] = '-';
		t += nsp_fmt_dec(tail + t, who[0]);
		tail[t++] = '-';
		t += nsp_fmt_dec(tail + t, who[1]);
	}
	if (k) {
		tail[t++] = '.';
		t += nsp_fmt_dec(tail + t, k);
	}
	if (len + t + lk + ln + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(path, o->log_path, len);
	memcpy(path + len, tail, t);
	memcpy(path + len + t, kind, lk);
	memcpy(path + len + t + lk, nb, ln);
	path[len + t + lk + ln] = 0;
	return 0;
}

int nsp_file_create(int dirfd, const char *name, char *tmp, size_t cap)
{
	uint64_t r = 0;
	size_t n = strlen(name);
	int fd;

	for (int tries = 0; tries < 8; tries++) {
		if (nsp_raw_syscall(SYS_getrandom, (long)&r, sizeof(r), GRND_NONBLOCK, 0) !=
		    (long)sizeof(r))
			r ^= (uint64_t)(uintptr_t)&r * 0x9e3779b97f4a7c15ull + (uint64_t)tries;
		if (n + 6 + 16 + 1 > cap)
			return -ENAMETOOLONG;
		memcpy(tmp, name, n);
		memcpy(tmp + n, ".tmp.", 5);
		tmp[n + 5 + nsp_fmt_hex(tmp + n + 5, r)] = 0;
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int nsp_report_to_file(int dirfd, const char *name, const struct nsp_report *r,
		       struct nsp_sym *s, int json)
{
	char tmp[NSP_MAX_PATH + 64];
	int fd = nsp_file_create(dirfd, name, tmp, sizeof(tmp)), err;

	if (fd < 0)
		return fd;
	err = nsp_write_report(fd, r, s, json);
	if (close(fd) && !err)
		err = -errno;
	/* renameat replaces whatever has the name, a link included, and
	 * follows none. */
	if (!err && renameat(dirfd, tmp, dirfd, name))
		err = -errno;
	if (err)
		unlinkat(dirfd, tmp, 0);
	return err;
}

int nsp_write_report(int fd, const struct nsp_report *r, struct nsp_sym *s, int json)
{
	struct nsp_out o;

	nsp_out_init(&o, fd);
	if (json)
		nsp_write_json(&o, r, s);
	else
		nsp_write_text(&o, r, s);
	return nsp_out_flush(&o);
}
