/* namspill-symbolize PID: names return addresses of process PID for a
 * report written in that process's signal handler, where it cannot do so
 * itself.  Reads the addresses on stdin, answers on stdout; the format is
 * in lib/symproto.c.  Started by the library, not by people. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fmt.h"
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

int main(int argc, char **argv)
{
	struct nsp_frame f[NSP_MAX_INLINE];
	struct nsp_arena a;
	struct nsp_out o;
	struct nsp_sym *s;
	size_t len;
	char *in, *end;
	const char *p;
	sigset_t none;
	long pid;

	/* Started with every signal blocked (see lib/symext.c). */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (argc != 2 || (pid = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: namspill-symbolize PID < addresses\n");
		return 2;
	}
	if (!(in = slurp(0, &len)) || nsp_arena_init(&a, (size_t)1 << 30))
		return 1;
	s = nsp_sym_open_dw(&a, (pid_t)pid);
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
