/* The API for test frameworks: the report as a string for an assertion
 * message, and a failure that needs no framework.  The string is written
 * by the one text writer into a memfd and read back. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "namspill.h"
#include "base/helpers.h"
#include "base/out.h"
#include "rt/emit.h"

/* The calling thread's last message, replaced by its next call and freed
 * when the thread ends. */
static pthread_key_t last;
static pthread_once_t last_once = PTHREAD_ONCE_INIT;
static int have_last;

static void make_key(void)
{
	have_last = pthread_key_create(&last, free) == 0;
}

static const char *keep(char *s)
{
	pthread_once(&last_once, make_key);
	if (have_last) {
		free(pthread_getspecific(last));
		pthread_setspecific(last, s);
	}
	return s ? s : "namspill: out of memory for the report\n";
}

static char *slurp(int fd)
{
	struct stat st;
	char *s;
	ssize_t n;

	if (fstat(fd, &st) || !(s = malloc((size_t)st.st_size + 1)))
		return NULL;
	n = pread(fd, s, (size_t)st.st_size, 0);
	s[n > 0 ? n : 0] = 0;
	return s;
}

static char *failure_line(int rc)
{
	char buf[128], *s;
	const char *why = strerror_r(-rc, buf, sizeof(buf));

	if (asprintf(&s, "namspill: cannot check: %s\n", why) < 0)
		return NULL;
	return s;
}

/* fn writes its report to the fd it is given when it returns nonzero. */
static int as_string(int (*fn)(int fd, const void *ctx), const void *ctx, const char **msg)
{
	int saved = errno, fd, rc;
	char *s = NULL;

	if (!msg)
		return -EINVAL;
	/* The system call: the C library's wrapper would be one more symbol
	 * version for every process to bind at start. */
	fd = (int)nsp_raw_syscall(SYS_memfd_create, (long)"namspill-report", MFD_CLOEXEC, 0, 0);
	if (fd < 0)
		fd = -1;
	rc = fn(fd, ctx);
	if (rc > 0 && fd >= 0)
		s = slurp(fd);
	else if (rc < 0)
		s = failure_line(rc);
	else if (rc > 0)
		s = strdup("namspill: the report could not be kept (memfd_create failed)\n");
	if (fd >= 0)
		close(fd);
	if (rc) {
		*msg = keep(s);
	} else {
		keep(NULL);
		*msg = "";
	}
	errno = saved;
	return rc;
}

static int check(int fd, const void *unused)
{
	(void)unused;
	return namspill_check(fd);
}

int namspill_check_msg(const char **msg)
{
	return as_string(check, NULL, msg);
}

struct leak_args {
	const struct namspill_threads *baseline;
	const struct namspill_ignore *ignore;
	int timeout_ms;
};

static int leaked(int fd, const void *p)
{
	const struct leak_args *a = p;

	return namspill_threads_leaked(a->baseline, a->ignore, a->timeout_ms, fd);
}

int namspill_threads_leaked_msg(const struct namspill_threads *baseline,
				const struct namspill_ignore *ignore, int timeout_ms,
				const char **msg)
{
	struct leak_args a = { baseline, ignore, timeout_ms };

	return as_string(leaked, &a, msg);
}

void namspill_fail(const char *msg, const char *file, int line)
{
	struct nsp_out o;

	nsp_out_init(&o, 2);
	nsp_out_str(&o, file ? file : "?");
	nsp_out_str(&o, ":");
	nsp_out_i64(&o, line);
	nsp_out_str(&o, ": namspill assertion failed\n");
	nsp_out_str(&o, msg ? msg : "");
	nsp_out_flush(&o);
	/* The report is out: the abort that follows is not another failure
	 * to report (one failure, one report). */
	if (nsp_final_claim() == NSP_CLAIMED)
		nsp_final_done();
	abort();
}
