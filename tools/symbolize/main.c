/* namspill-symbolize [--maps-fd=N] [--exe-fd=N] PID: names return
 * addresses of process PID (or of its live thread PID) for a report
 * written in that process's signal handler, where it cannot do so itself.
 * Reads the addresses on stdin, answers on stdout; the format is in
 * lib/report/symproto.c.  Started by the library, not by people, which
 * hands over its own maps file and executable as open descriptors: after
 * it changed its uid (no longer dumpable) /proc/PID/maps is closed to us,
 * and a removed executable opens only through them. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fmt.h"
#include "base/proc.h"
#include "dw/dw.h"

static char *slurp(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1), *more;
	ssize_t r;

	while (buf && (r = read(fd, buf + n, cap - n)) != 0) {
		if (r < 0)
			break;
		n += (size_t)r;
		if (n < cap)
			continue;
		if (!(more = realloc(buf, (cap *= 2) + 1)))
			break;
		buf = more;
	}
	if (buf && r != 0) { /* a read error or no memory */
		free(buf);
		return NULL;
	}
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

/* "--NAME=N": N, or -1 if arg is not that option. */
static int fd_option(const char *arg, const char *name)
{
	size_t n = strlen(name);
	char *end;
	long v;

	if (strncmp(arg, "--", 2) || strncmp(arg + 2, name, n) || arg[2 + n] != '=')
		return -1;
	v = strtol(arg + 3 + n, &end, 10);
	return *end || v < 0 || v > 1 << 20 ? -1 : (int)v;
}

int main(int argc, char **argv)
{
	struct nsp_frame f[NSP_MAX_INLINE];
	struct nsp_arena a;
	struct nsp_out o;
	struct nsp_sym *s;
	size_t len;
	char *in, *end, exe[32] = "";
	const char *p;
	sigset_t none;
	long pid = 0;
	int maps_fd = -1, fd, i;

	/* Started with every signal blocked (see lib/rt/symext.c). */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 1; i < argc - 1; i++) {
		if ((fd = fd_option(argv[i], "maps-fd")) >= 0)
			maps_fd = fd;
		else if ((fd = fd_option(argv[i], "exe-fd")) >= 0)
			snprintf(exe, sizeof(exe), "/proc/self/fd/%d", fd);
		else
			break;
	}
	if (i != argc - 1 || (pid = strtol(argv[i], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: namspill-symbolize [--maps-fd=N] [--exe-fd=N] PID "
				"< addresses\n");
		return 2;
	}
	if (!(in = slurp(0, &len)) || nsp_arena_init(&a, (size_t)1 << 30))
		return 1;
	s = nsp_sym_open_dw_exe(&a, (pid_t)pid, exe[0] ? exe : NULL);
	if (maps_fd >= 0)
		nsp_sym_set_maps(s, nsp_proc_maps_fd(maps_fd, &a));
	nsp_out_init(&o, 1);
	for (p = in, end = in + len; p < end; p++) {
		uint64_t ip;
		int n;
		if (!nsp_parse_hex(&p, end, &ip))
			break;
		n = nsp_sym_frames(s, ip, f, NSP_MAX_INLINE);
		nsp_proto_head(&o, ip, n);
		for (int k = 0; k < n; k++)
			nsp_proto_frame(&o, &f[k]);
	}
	nsp_sym_close(s);
	free(in);
	return nsp_out_flush(&o) ? 1 : 0;
}
