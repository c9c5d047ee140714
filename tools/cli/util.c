/* Small helpers of the command: messages, memory, whole files. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("namspill: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void *cli_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p) {
		cli_err("out of memory");
		exit(CLI_FAILED);
	}
	return p;
}

char *cli_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(cli_alloc(n), s, n);
}

/* The rest of fd, NUL-terminated; NULL with errno set. */
char *cli_slurp_fd(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = cli_alloc(cap);
	ssize_t got;

	while ((got = read(fd, buf + n, cap - n - 1)) != 0) {
		if (got < 0) {
			int e = errno;
			if (e == EINTR)
				continue;
			free(buf);
			errno = e;
			return NULL;
		}
		n += (size_t)got;
		if (n + 1 == cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = b;
		}
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* The whole file, NUL-terminated; NULL with errno set. */
char *cli_slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = cli_slurp_fd(fd, len);
	e = errno;
	close(fd);
	errno = e;
	return buf;
}

/* Text from elsewhere (a report, a command line) for a terminal or a log:
 * printable ASCII and UTF-8 characters as they are (newlines and tabs too
 * if lines); control bytes (ESC included), C1 controls and bytes that are
 * not UTF-8 as \xHH, so no text can move the cursor, forge a line or
 * hide one. */
void cli_put_safe(FILE *f, const char *s, size_t n, int lines)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	while (p < end) {
		size_t k = nsp_utf8_len(p, (size_t)(end - p));
		int layout = lines && (*p == '\n' || *p == '\t');
		int control = k == 0 || (k == 1 && ((*p < 0x20 && !layout) || *p == 0x7f)) ||
			      (k == 2 && p[0] == 0xc2 && p[1] < 0xa0);
		if (control) {
			fprintf(f, "\\x%02x", *p);
			k = 1;
		} else {
			fwrite(p, 1, k, f);
		}
		p += k;
	}
}

/* namspill writes its verdict and files whoever reads its stderr: a
 * reader that went away (`namspill ... 2>&1 | head -1`) costs only the
 * lines it would have read.  The command gets the disposition we got. */
static struct sigaction inherited_pipe;

void cli_ignore_sigpipe(void)
{
	struct sigaction ign;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &inherited_pipe);
}

void cli_restore_sigpipe(void)
{
	sigaction(SIGPIPE, &inherited_pipe, NULL);
}
