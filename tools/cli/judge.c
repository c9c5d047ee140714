/* A process's report made by the supervisor: the scan and explain of
 * lib/report, with the calls the supervisor saw as the source of causes,
 * frames named by lib/dw (Go's own table first), the system call wrappers
 * dropped from the top, the suppressions applied, JSON out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dw/dw.h"
#include "report/supp.h"
#include "watched.h"

#define ARENA ((size_t)256 << 20) /* reserved, paid for as used */

struct source {
	const struct wproc *p;
	const struct nsp_report *r;
};

static const struct wthread *thread_rec(const struct wproc *p, pid_t tid)
{
	for (const struct wthread *t = p->threads; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

/* The namespace of kind k that thread tid is in, as the scan found it:
 * only spilled threads are listed, 0 for the others. */
static uint64_t spilled_ns(const struct nsp_report *r, pid_t tid, int k)
{
	for (size_t i = 0; i < r->nspills; i++)
		if (r->spills[i].tid == tid && nsp_kind_of_type(r->spills[i].type) == k)
			return r->spills[i].ns.ino;
	return 0;
}

/* Where thread tid is now in kind k: the namespace of its spill, else
 * the majority's (it is not spilled there). */
static uint64_t now_ns(const struct nsp_report *r, pid_t tid, int k)
{
	int type = nsp_type_of_kind(k);
	uint64_t ino = spilled_ns(r, tid, k);

	return ino ? ino : type >= 0 ? r->verdict.majority[type].ino : 0;
}

/* The thread's namespace of kind k right after e: where its next call
 * of that kind found it, or where it is now (0: not known). */
static uint64_t after(const struct nsp_report *r, const struct wthread *t,
		      const struct wevent *e, int k)
{
	const struct wevent *newer = NULL;

	for (const struct wevent *x = t->events; x && x != e; x = x->next)
		if (x->kinds & (1u << k))
			newer = x;
	return newer ? newer->before[k] : now_ns(r, e->tid, k);
}

/* The supervisor answers before the kernel runs the call, so it never
 * sees a result.  A call probably failed if the thread was not where it
 * would have taken it right after: a setns whose thread never reached
 * its fd's namespace, an unshare that left it where it was.  (Calls the
 * shim made with the watch key are not seen, so "probably".) */
static int failed_in(const struct nsp_report *r, const struct wthread *t,
		     const struct wevent *e, int k)
{
	uint64_t then = after(r, t, e, k);

	if (!then)
		return 0;
	if (e->call == NSP_CALL_SETNS)
		return e->target[k] && e->target[k] != then && e->before[k] != e->target[k];
	return e->before[k] && then == e->before[k];
}

static int probably_failed(const struct nsp_report *r, const struct wthread *t,
			   const struct wevent *e)
{
	for (int k = 0; k < NSP_NKINDS; k++)
		if ((e->kinds & (1u << k)) && failed_in(r, t, e, k))
			return 1;
	return 0;
}

/* Whether e left its thread in namespace ino of kind k: a setns into ino,
 * or an unshare after which its thread is in ino (as it still is, when e
 * is the thread's last call that touched k). */
static int led_to(const struct nsp_report *r, const struct wevent *e, int k, uint64_t ino)
{
	if (!(e->kinds & (1u << k)) || !ino)
		return 0;
	if (e->target[k])
		return e->target[k] == ino;
	return e->before[k] != ino && now_ns(r, e->tid, k) == ino;
}

/* The call that put thread tid (t: its record, NULL: none seen) in ino:
 * its own last one that did (calls that probably failed left it where it
 * was), else, with borrow, one of another thread (a thread born there:
 * creations are not seen, so a guess, made only to name a spill's cause).
 * Not for the main thread: no thread of its process made it. */
static const struct wevent *cause_of(const struct source *s, const struct wthread *t, pid_t tid,
				     int k, uint64_t ino, int borrow)
{
	for (const struct wevent *e = t ? t->events : NULL; e; e = e->next) {
		if (!(e->kinds & (1u << k)) || failed_in(s->r, t, e, k))
			continue;
		return led_to(s->r, e, k, ino) ? e : NULL; /* its last switch of k decides */
	}
	if (!borrow || tid == s->p->pid)
		return NULL;
	for (const struct wthread *o = s->p->threads; o; o = o->next)
		for (const struct wevent *e = o->events; e; e = e->next)
			if (led_to(s->r, e, k, ino))
				return e;
	return NULL;
}

/* A seen call as a step of the report. */
static void step_of(const struct nsp_report *r, const struct wthread *t, const struct wevent *e,
		    int k, int failed, struct nsp_step *out)
{
	memset(out, 0, sizeof(*out));
	out->call = e->call;
	out->kinds = e->kinds;
	out->tid = e->tid;
	out->seq = e->seq;
	out->target_type = -1;
	out->from = e->before[k];
	out->stack = e->stack;
	if (failed) {
		int tk = e->call == NSP_CALL_SETNS && e->kinds ? __builtin_ctz(e->kinds) : -1;
		out->err = NSP_ERR_UNSEEN;
		out->to = out->from;
		if (tk >= 0 && e->target[tk]) {
			out->target_type = nsp_type_of_kind(tk);
			out->target = e->target[tk];
		}
	} else {
		out->to = e->target[k] ? e->target[k] : after(r, t, e, k);
	}
}

/* Steps of thread tid, newest first in its list: the last cap of those
 * wanted (its switches of kind, or its failed calls), oldest first. */
static size_t steps(const struct nsp_records *src, pid_t tid, int kind, int failed,
		    struct nsp_step *out, size_t cap, size_t *dropped)
{
	const struct source *s = src->ctx;
	const struct wthread *t = thread_rec(s->p, tid);
	size_t n = 0, all = 0;

	*dropped = 0;
	for (const struct wevent *e = t ? t->events : NULL; e; e = e->next) {
		int f = probably_failed(s->r, t, e);
		if (failed ? !f : (f || !(e->kinds & (1u << kind))))
			continue;
		if (all++ < cap)
			step_of(s->r, t, e, kind, failed, &out[n++]);
	}
	*dropped = all - n;
	for (size_t i = 0; i < n / 2; i++) { /* oldest first */
		struct nsp_step x = out[i];
		out[i] = out[n - 1 - i];
		out[n - 1 - i] = x;
	}
	return n;
}

static size_t path_of(const struct nsp_records *src, pid_t tid, int kind, struct nsp_step *out,
		      size_t cap, size_t *dropped)
{
	return steps(src, tid, kind, 0, out, cap, dropped);
}

static size_t failures_of(const struct nsp_records *src, pid_t tid, int kind,
			  struct nsp_step *out, size_t cap, size_t *dropped)
{
	return steps(src, tid, kind, 1, out, cap, dropped);
}

static int thread_of(const struct nsp_records *src, pid_t tid, struct nsp_rec_thread *out)
{
	const struct source *s = src->ctx;
	const struct wthread *t = thread_rec(s->p, tid);

	memset(out, 0, sizeof(*out));
	out->tid = tid;
	out->id = t ? (uintptr_t)t : 0;
	/* A thread not spilled: its own call that took it where most are,
	 * for the verdict's records (nsp_moved). */
	for (int k = 0; k < NSP_NKINDS; k++) {
		uint64_t ino = spilled_ns(s->r, tid, k);
		const struct wevent *e = cause_of(s, t, tid, k, ino ? ino : now_ns(s->r, tid, k), ino != 0);
		out->cause[k] = (uintptr_t)e;
		/* Another thread's call: named as such, not as a creation we
		 * never saw. */
		if (e && e->tid != tid)
			out->id = (uintptr_t)thread_rec(s->p, e->tid);
	}
	return 0;
}

static int thread_at(const struct nsp_records *src, uint64_t id, struct nsp_rec_thread *out)
{
	(void)src, (void)id, (void)out;
	return -ESRCH; /* thread creation is not seen: no creators */
}

static int event_at(const struct nsp_records *src, uint64_t id, struct nsp_rec_event *out)
{
	const struct source *s = src->ctx;
	const struct wevent *e = (const struct wevent *)(uintptr_t)id;

	out->call = e->call;
	out->kinds = e->kinds;
	out->tid = e->tid;
	out->seq = e->seq;
	out->owner = (uintptr_t)thread_rec(s->p, e->tid);
	out->stack = e->stack;
	return 0;
}

/* The thread that execs survives as the whole new image, wherever it
 * went before (entering a namespace to run a command there is what exec
 * is for); the others end.  So it is not spilled; another thread that is
 * still is (it was until the exec ended it). */
static void drop_execing(struct nsp_report *r, pid_t execing)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nspills; i++)
		if (r->spills[i].tid != execing)
			r->spills[n++] = r->spills[i];
	r->nspills = n;
}

char *judge_process(const struct wproc *p, pid_t via, enum nsp_trigger trigger, pid_t execing,
		    const struct nsp_supp *rules, size_t *len)
{
	struct nsp_arena a;
	struct nsp_report r;
	struct source s = { p, &r };
	struct nsp_records src = { thread_of, thread_at, event_at, &s, path_of, failures_of };
	struct nsp_sym *sym;
	struct nsp_out o;
	char *json = NULL;
	size_t n = 0;
	FILE *f;

	if (nsp_arena_init(&a, ARENA))
		return NULL;
	nsp_report_scan(&r, &a, p->pid, via, trigger, 0);
	if (execing)
		drop_execing(&r, execing);
	nsp_report_explain(&r, &src, &a);
	sym = r.nspills ? nsp_sym_open_dw(&a, via) : nsp_sym_open_pid(&a, via);
	nsp_trim_wrappers(&r, sym);
	nsp_report_suppress(&r, sym, rules);
	f = open_memstream(&json, &n);
	if (f) {
		nsp_out_init_sink(&o, cli_to_file, f);
		nsp_write_json(&o, &r, sym);
		nsp_out_flush(&o);
		fclose(f);
	}
	nsp_sym_close(sym);
	nsp_arena_fini(&a);
	*len = n;
	return json;
}

char *judge_unmoved(const struct wproc *p, size_t threads, size_t *len)
{
	struct nsp_report r;
	struct nsp_out o;
	char *json = NULL;
	size_t n = 0;
	FILE *f;

	memset(&r, 0, sizeof(r));
	r.pid = p->pid;
	r.at = p->pid;
	r.trigger = NSP_TRIGGER_EXIT;
	memcpy(r.comm, p->comm, sizeof(r.comm));
	r.argv = p->argv;
	r.argv_len = p->argv_len;
	r.nthreads = threads;
	for (int t = 0; t < NAMSPILL_NS_COUNT; t++) {
		/* After an exec the process runs in its namespaces for
		 * children of pid and time, and no thread is made in a pid
		 * namespace other than the process's. */
		int from = t == NAMSPILL_NS_PID ? NAMSPILL_NS_PID_FOR_CHILDREN :
			   t == NAMSPILL_NS_TIME ? NAMSPILL_NS_TIME_FOR_CHILDREN : t;
		r.verdict.majority[t].ino = p->ns[from];
		r.verdict.count[t] = threads;
	}
	f = open_memstream(&json, &n);
	if (!f)
		return NULL;
	nsp_out_init_sink(&o, cli_to_file, f);
	nsp_write_json(&o, &r, NULL);
	nsp_out_flush(&o);
	/* Said as the entries of processes judged by their count say it. */
	if (fflush(f) == 0 && n >= 2 && !strcmp(json + n - 2, "}\n"))
		fseeko(f, (off_t)n - 2, SEEK_SET);
	fputs(",\"note\":\"judged by the watch: no thread switched namespaces since the "
	      "exec it saw, so all are where that put them\"}\n", f);
	if (fclose(f)) {
		free(json);
		return NULL;
	}
	*len = n;
	return json;
}

/* A frame of a report, named here where the process could not name it
 * (a signal-time report without its helper, a process no longer
 * dumpable): namspill may read what the process itself no longer may. */
static int name_frame(struct jv *fr, struct nsp_sym *sym)
{
	struct jv *fn = (struct jv *)json_get(fr, "function"), *ip = (struct jv *)json_get(fr, "ip");
	struct nsp_frame f;
	const char *keys[] = { "function", "module", "file" };
	const char *vals[3];

	if (!fn || fn->t != J_NULL || !ip || ip->t != J_NUM || ip->num <= 0)
		return 0;
	nsp_sym_frame(sym, (uintptr_t)ip->num, &f);
	if (!f.function)
		return 0;
	vals[0] = f.function, vals[1] = f.module, vals[2] = f.file;
	for (int i = 0; i < 3; i++) {
		struct jv *v = (struct jv *)json_get(fr, keys[i]);
		if (v && v->t == J_NULL && vals[i]) {
			v->t = J_STR;
			v->str = cli_strdup(vals[i]);
		}
	}
	struct jv *off = (struct jv *)json_get(fr, "offset"), *line = (struct jv *)json_get(fr, "line");
	if (off && off->t == J_NULL && f.module) {
		off->t = J_NUM;
		off->num = (double)f.offset;
	}
	if (line && line->t == J_NULL && f.line > 0) {
		line->t = J_NUM;
		line->num = f.line;
	}
	return 1;
}

static int name_stack(struct jv *st, struct nsp_sym *sym)
{
	int named = 0;

	for (size_t i = 0; st && st->t == J_ARR && i < st->n; i++)
		named += name_frame(&st->v[i], sym);
	return named;
}

int judge_name_frames(pid_t via, struct jv *rep)
{
	const struct jv *spills = json_get(rep, "spills");
	struct nsp_arena a;
	struct nsp_sym *sym = NULL;
	int named = 0;

	for (size_t i = 0; spills && spills->t == J_ARR && i < spills->n; i++) {
		struct jv *s = &spills->v[i];
		struct jv *parts[2] = { (struct jv *)json_get(s, "cause"),
					(struct jv *)json_get(s, "creation") };
		const struct jv *via_hops = json_get(s, "inherited_via");
		if (!sym) {
			if (nsp_arena_init(&a, ARENA))
				return 0;
			sym = nsp_sym_open_dw(&a, via);
		}
		for (int k = 0; k < 2; k++)
			if (parts[k] && parts[k]->t == J_OBJ)
				named += name_stack((struct jv *)json_get(parts[k], "stack"), sym);
		for (size_t h = 0; via_hops && via_hops->t == J_ARR && h < via_hops->n; h++)
			named += name_stack((struct jv *)json_get(&via_hops->v[h], "stack"), sym);
	}
	if (sym) {
		nsp_sym_close(sym);
		nsp_arena_fini(&a);
	}
	return named;
}
