/* The in-process API: namespace snapshots and the verdict, now.  Called
 * from ordinary code (a test), so it may allocate; it takes no lock the
 * shim's recording takes, and leaves errno as it found it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "dw/dw.h"
#include "rt/emit.h"
#include "base/arena.h"
#include "base/proc.h"
#include "report/report.h"
#include "report/supp.h"
#include "report/sym.h"
#include "rt/collect.h"

int namspill_tasks(struct namspill_task **tasks, size_t *n)
{
	struct nsp_arena a;
	struct namspill_task *t;
	int saved = errno;
	pid_t at;
	long got;

	if (!tasks || !n)
		return -EINVAL;
	*tasks = NULL;
	*n = 0;
	if (nsp_arena_init(&a, NSP_API_ARENA))
		return -ENOMEM;
	got = nsp_proc_own_tasks(&a, &t, NULL, &at);
	if (got > 0) {
		*tasks = malloc((size_t)got * sizeof(*t));
		if (*tasks) {
			memcpy(*tasks, t, (size_t)got * sizeof(*t));
			*n = (size_t)got;
		} else {
			got = -ENOMEM;
		}
	} else if (got == 0) {
		got = -ESRCH;
	}
	nsp_arena_fini(&a);
	errno = saved;
	return got < 0 ? (int)got : 0;
}

void namspill_tasks_free(struct namspill_task *tasks)
{
	int saved = errno;

	free(tasks);
	errno = saved;
}

/* Collects with trigger "request" and, if asked, writes: the number of
 * spills that are not suppressed (those the exit verdict fails on), or a
 * negative errno (no verdict, or the write failed).  Frames are named
 * only when there are spills to write or to hold against suppressions. */
static int request(int fd, int json, int always)
{
	struct nsp_arena a;
	struct nsp_report r;
	struct nsp_sym *s = NULL;
	int saved = errno, rc;

	if (nsp_arena_init(&a, NSP_API_ARENA))
		return -ENOMEM;
	nsp_report_collect(&r, &a, gettid(), NSP_TRIGGER_REQUEST, 0);
	rc = r.proc_err ? r.proc_err : (int)r.nspills;
	if (rc > 0 && nsp_rules.n) {
		s = nsp_sym_open_dw(&a, 0);
		rc = (int)nsp_report_suppress(&r, s, &nsp_rules);
	}
	if (fd >= 0 && (always || rc > 0)) {
		int w;
		if (!s)
			s = r.nspills ? nsp_sym_open_dw(&a, 0) : nsp_sym_open(&a);
		w = nsp_write_report(fd, &r, s, json);
		rc = w ? w : rc;
	}
	nsp_sym_close(s);
	nsp_arena_fini(&a);
	errno = saved;
	return rc;
}

int namspill_check(int fd)
{
	return request(fd, 0, 0);
}

int namspill_report(int fd, const char *format)
{
	int json = format && !strcmp(format, "json");

	if (fd < 0)
		return -EBADF;
	if (format && !json && strcmp(format, "text"))
		return -EINVAL;
	return request(fd, json, 1);
}
