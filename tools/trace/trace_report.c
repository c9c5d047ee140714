/* A traced process's report: the scan and explain of lib/report, with the
 * tracer's records as the source of causes, written by lib/report's
 * writers.  Runs while the process is stopped, so every thread and
 * mapping is still there. */
#include <fcntl.h>
#include <string.h>

#include "base/proc.h"
#include "dw/dw.h"
#include "report/supp.h"
#include "../common/remote.h"
#include "trace.h"

#define ARENA_SIZE ((size_t)256 << 20)

static void rec_of(const struct trec *t, struct nsp_rec_thread *out)
{
	out->tid = t->tid;
	out->parent_tid = t->parent_tid;
	out->id = (uintptr_t)t;
	out->parent = (uintptr_t)t->parent;
	out->home = 0; /* the path's start is read, not inferred */
	for (int k = 0; k < NSP_NKINDS; k++)
		out->cause[k] = (uintptr_t)t->cause[k];
	out->stack = t->stack;
}

static int thread_of(const struct nsp_records *src, pid_t tid, struct nsp_rec_thread *out)
{
	const struct tproc *p = src->ctx;
	struct trec *t = trec_find(tid);

	if (!t || t->tgid != p->tgid)
		return -1;
	trec_settle(t); /* stopped in its last call, or about to die */
	rec_of(t, out);
	return 0;
}

static int thread_at(const struct nsp_records *src, uint64_t id, struct nsp_rec_thread *out)
{
	(void)src;
	rec_of((const struct trec *)(uintptr_t)id, out);
	return 0;
}

static int event_at(const struct nsp_records *src, uint64_t id, struct nsp_rec_event *out)
{
	const struct tev *e = (const struct tev *)(uintptr_t)id;

	(void)src;
	out->call = e->call;
	out->kinds = e->kinds;
	out->tid = e->tid;
	out->seq = e->seq;
	out->owner = (uintptr_t)e->owner;
	out->stack = e->stack;
	return 0;
}

/* The ring's steps (of kind, or all: -1), oldest first, as the report's. */
static size_t steps_of(const struct trec *t, const struct tstep *ring, unsigned n, unsigned len,
		       int kind, int of_kind, struct nsp_step *out, size_t cap, size_t *dropped)
{
	unsigned first = n > len ? n - len : 0, kept = 0;
	size_t k = 0;

	for (unsigned i = first; i < n; i++) {
		const struct tstep *st = &ring[i % len];
		if (of_kind && !(st->kinds & (1u << kind)))
			continue;
		kept++;
		if (k == cap)
			memmove(out, out + 1, --k * sizeof(*out));
		out[k] = (struct nsp_step){ .call = st->call, .kinds = st->kinds, .tid = t->tid,
					    .seq = st->seq, .err = st->err,
					    .from = st->from[kind], .to = st->to[kind],
					    .target_type = st->target_type, .target = st->target,
					    .stack = st->stack };
		k++;
	}
	*dropped = k < kept ? kept - k : 0;
	return k;
}

/* The thread's path (failed 0) or failed calls (1) of one kind. */
static size_t steps_for(pid_t tid, int kind, int failed, struct nsp_step *out, size_t cap,
			size_t *dropped)
{
	const struct trec *t = trec_find(tid);
	const struct tpath *p = t ? t->path : NULL;
	size_t n, all;

	*dropped = 0;
	if (!p)
		return 0;
	if (failed) {
		n = steps_of(t, p->failed, p->nfailed, NSP_FAILED_MAX, kind, 0, out, cap, dropped);
		all = p->nfailed;
	} else {
		n = steps_of(t, p->hist, p->nhist, NSP_PATH_MAX, kind, 1, out, cap, dropped);
		all = p->nkind[kind] > n ? p->nkind[kind] : n + *dropped;
	}
	*dropped = all - n;
	return n;
}

static size_t path_of(const struct nsp_records *src, pid_t tid, int kind, struct nsp_step *out,
		      size_t cap, size_t *dropped)
{
	(void)src;
	return steps_for(tid, kind, 0, out, cap, dropped);
}

static size_t failures_of(const struct nsp_records *src, pid_t tid, int kind,
			  struct nsp_step *out, size_t cap, size_t *dropped)
{
	(void)src;
	return steps_for(tid, kind, 1, out, cap, dropped);
}

/* Where the options say, or stderr when the file cannot be written (or
 * there is no log_path) and there is something to say. */
static void deliver(const struct nsp_report *r, struct nsp_sym *s)
{
	char path[NSP_MAX_PATH + 32];
	int fd = nsp_log_stream(&trace_opt);

	if (fd >= 0 && trace_opt.log_path[0]) {
		nsp_write_report(fd, r, s, trace_opt.json);
		return;
	}
	if (fd < 0) {
		/* Once per process: one that had its pid before keeps its own. */
		unsigned k = nsp_log_free(&trace_opt, r->pid, NULL, NULL, NULL);
		int e = nsp_log_name(&trace_opt, r->pid, NULL, k, "", 0, path, sizeof(path));
		if (!e && !(e = nsp_report_to_file(AT_FDCWD, path, r, s, trace_opt.json)))
			return;
		nsp_msg("cannot write report to ", path, "; writing it to stderr instead");
	}
	if (r->proc_err || r->nspills > r->nsuppressed || trace_opt.verbosity > 0)
		nsp_write_report(2, r, s, trace_opt.json);
}

int trace_report(struct tproc *p, enum nsp_trigger trigger, int signo)
{
	struct nsp_records src = { thread_of, thread_at, event_at, p, path_of, failures_of };
	struct nsp_arena a;
	struct nsp_report r;
	struct nsp_sym *s;
	int n;

	if (p->reported || !p->traced)
		return 0;
	p->reported = 1;
	if (nsp_arena_init(&a, ARENA_SIZE)) {
		nsp_msg("cannot map memory for the report", NULL, NULL);
		return -1;
	}
	nsp_report_scan(&r, &a, p->tgid, 0, trigger, signo);
	nsp_report_explain(&r, &src, &a);
	n = r.proc_err ? -1 : (int)r.nspills;
	s = n > 0 ? nsp_sym_open_dw(&a, p->tgid) : nsp_sym_open_pid(&a, p->tgid);
	nsp_trim_wrappers(&r, s);
	if (n > 0)
		n = (int)nsp_report_suppress(&r, s, &trace_rules); /* on the stacks as shown */
	deliver(&r, s);
	nsp_sym_close(s);
	nsp_arena_fini(&a);
	return n;
}
