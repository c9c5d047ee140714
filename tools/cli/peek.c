/* The library's published state (base/psstate.h) in another process,
 * read from its memory: the writable mappings of libnamspill.so in
 * /proc/PID/maps, searched for the magic through /proc/PID/mem.  Reading
 * memory needs the right to trace the process (its user, or root; Yama
 * may narrow it), like a debugger; nothing in the process changes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_MAPS ((size_t)16 << 20)
#define MAX_SEGMENT ((size_t)16 << 20)

/* A mapping "lo-hi rw-p off dev ino path" of a file named libnamspill.so
 * or libnamspill.so.N. */
static int library_rw(const char *line, uint64_t *lo, uint64_t *hi)
{
	char perm[8];
	int path = 0;
	const char *base;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", lo, hi, perm, &path) < 3 ||
	    !path || strncmp(perm, "rw", 2))
		return 0;
	base = strrchr(line + path, '/');
	base = base ? base + 1 : line + path;
	return !strncmp(base, "libnamspill.so", 14) && (!base[14] || base[14] == '.') && *hi > *lo;
}

/* The state in [lo, hi) of mem, if its magic is there: 0, or -ENOENT. */
static int search(int mem, uint64_t lo, uint64_t hi, struct nsp_ps_state *st)
{
	size_t n = hi - lo > MAX_SEGMENT ? MAX_SEGMENT : (size_t)(hi - lo);
	char *buf = cli_alloc(n);
	ssize_t got = pread(mem, buf, n, (off_t)lo);
	int r = got < 0 ? -errno : -ENOENT;

	for (ssize_t at = 0; got > 0 && at + (ssize_t)sizeof(*st) <= got; at += 8)
		if (!memcmp(buf + at, NSP_PS_MAGIC, sizeof(st->magic))) {
			memcpy(st, buf + at, sizeof(*st));
			st->log_path[sizeof(st->log_path) - 1] = 0;
			r = 0;
			/* A second copy of the library stays passive and
			 * publishes no signal: the active one is wanted. */
			if (atomic_load(&st->report_signal))
				break;
		}
	free(buf);
	return r;
}

int cli_peek_state(pid_t pid, struct nsp_ps_state *st)
{
	char path[64], *maps = cli_alloc(MAX_MAPS + 1), *line;
	ssize_t n = nsp_proc_read(pid, "maps", maps, MAX_MAPS);
	int mem = -1, found = -ENXIO, r;
	uint64_t lo, hi;

	if (n < 0) {
		free(maps);
		return (int)n;
	}
	maps[n] = 0;
	for (line = maps; line < maps + n; line += strlen(line) + 1) {
		char *eol = strchr(line, '\n');
		if (eol)
			*eol = 0;
		if (!library_rw(line, &lo, &hi))
			continue;
		if (mem < 0) {
			snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
			if ((mem = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
				found = -errno;
				break;
			}
		}
		r = search(mem, lo, hi, st);
		if (r == 0 && atomic_load(&st->report_signal)) {
			found = 0;
			break;
		}
		/* Else the best answer so far: a state (0), one that could
		 * not be read (-errno), the library without our magic
		 * (-ENOENT: another version), no library (-ENXIO). */
		if (r == 0 || found == -ENXIO || (found == -ENOENT && r != -ENOENT))
			found = r;
	}
	if (mem >= 0)
		close(mem);
	free(maps);
	return found;
}
