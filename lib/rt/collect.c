/* The report of this process: the scan of lib/report, explained from the
 * registry's records.  Records are copied and validated (other threads
 * keep running), never locked. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/proc.h"
#include "base/sort.h"
#include "rt/collect.h"

static size_t pow2_at_least(size_t n)
{
	size_t c = 16;

	while (c < n)
		c <<= 1;
	return c;
}

/* The record that describes live thread tid: a running one wins over an
 * ended one, a newer one over an older (tids are reused). */
static int better(const struct nsp_thread *a, const struct nsp_thread *b)
{
	int la = a->state == NSP_T_ALIVE, lb = b->state == NSP_T_ALIVE;

	return la != lb ? la > lb : a->seq > b->seq;
}

int nsp_recmap_build(struct nsp_recmap *m, struct nsp_arena *a)
{
	uint32_t high = nsp_pool_high(&nsp_threads);

	m->n = m->starting = 0;
	m->rec = nsp_arena_alloc(a, (size_t)high * sizeof(*m->rec) + 1);
	m->cap = pow2_at_least(2 * (size_t)high + 2);
	m->slot = nsp_arena_alloc(a, m->cap * sizeof(*m->slot));
	if (!m->rec || !m->slot)
		return -ENOMEM;
	memset(m->slot, 0, m->cap * sizeof(*m->slot));
	for (uint32_t i = 1; i <= high; i++) {
		struct nsp_thread *t = &m->rec[m->n];
		size_t h;
		if (nsp_pool_copy(&nsp_threads, i, 0, t))
			continue;
		if (t->state == NSP_T_NEW) {
			m->starting++;
			continue;
		}
		if (t->tid <= 0)
			continue;
		h = ((size_t)t->tid * 2654435761u) & (m->cap - 1);
		while (m->slot[h] && m->rec[m->slot[h] - 1].tid != t->tid)
			h = (h + 1) & (m->cap - 1);
		if (!m->slot[h] || better(t, &m->rec[m->slot[h] - 1]))
			m->slot[h] = (uint32_t)++m->n;
		else
			continue;
	}
	return 0;
}

const struct nsp_thread *nsp_recmap_find(const struct nsp_recmap *m, pid_t tid)
{
	size_t h = ((size_t)tid * 2654435761u) & (m->cap - 1);

	while (m->slot[h]) {
		if (m->rec[m->slot[h] - 1].tid == tid)
			return &m->rec[m->slot[h] - 1];
		h = (h + 1) & (m->cap - 1);
	}
	return NULL;
}

static void rec_fill(const struct nsp_thread *t, struct nsp_rec_thread *out)
{
	out->tid = t->tid;
	out->parent_tid = t->parent_tid;
	out->id = t->me;
	out->parent = t->parent;
	out->home = t->home;
	for (int k = 0; k < NSP_NKINDS; k++)
		out->cause[k] = atomic_load_explicit(&t->cause[k], memory_order_relaxed);
	out->stack = t->stack;
}

/* A record made after the thread's end (in its destructors) goes on from
 * the one it ended with, while that one is still kept: copied to b, 0; or
 * -1.  (A thread created from such a destructor inherits nothing: the
 * record its creator ended with is not held.) */
static int ended_with(const struct nsp_thread *t, struct nsp_thread *b)
{
	return t->before && !nsp_pool_copy(&nsp_threads, NSP_REF_IDX(t->before),
					   NSP_REF_GEN(t->before), b) && b->tid == t->tid ? 0 : -1;
}

/* That record stands for the thread if this one recorded nothing, else it
 * gives the causes of the kinds not switched since. */
static void rec_of(const struct nsp_thread *t, struct nsp_rec_thread *out)
{
	struct nsp_thread b;
	int own = 0;

	rec_fill(t, out);
	if (ended_with(t, &b))
		return;
	for (int k = 0; k < NSP_NKINDS; k++)
		own |= out->cause[k] != 0;
	if (!own) {
		rec_fill(&b, out);
		return;
	}
	for (int k = 0; k < NSP_NKINDS; k++)
		if (!out->cause[k])
			out->cause[k] = atomic_load_explicit(&b.cause[k], memory_order_relaxed);
}

static int thread_of(const struct nsp_records *src, pid_t tid, struct nsp_rec_thread *out)
{
	const struct nsp_thread *t = nsp_recmap_find(src->ctx, tid);

	if (!t)
		return -ESRCH;
	rec_of(t, out);
	return 0;
}

static int thread_at(const struct nsp_records *src, uint64_t id, struct nsp_rec_thread *out)
{
	struct nsp_thread t;

	(void)src;
	if (nsp_pool_copy(&nsp_threads, NSP_REF_IDX(id), NSP_REF_GEN(id), &t))
		return -ESRCH;
	rec_of(&t, out);
	return 0;
}

static int event_at(const struct nsp_records *src, uint64_t id, struct nsp_rec_event *out)
{
	struct nsp_event e;

	(void)src;
	if (nsp_pool_copy(&nsp_events, NSP_REF_IDX(id), NSP_REF_GEN(id), &e))
		return -ESRCH;
	out->call = e.call;
	out->kinds = e.kinds;
	out->tid = e.tid;
	out->seq = e.seq;
	out->owner = e.owner;
	out->stack = e.stack;
	return 0;
}

/* ---- a thread's path and failed calls, from its record */

static int by_seq(const void *x, const void *y)
{
	const struct nsp_step *a = x, *b = y;

	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* The last n of out[0..k) sorted, moved to the front: returns how many. */
static size_t last_sorted(struct nsp_step *out, size_t k, size_t cap)
{
	nsp_sort(out, k, sizeof(*out), by_seq);
	if (k > cap) {
		memmove(out, out + (k - cap), cap * sizeof(*out));
		k = cap;
	}
	return k;
}

/* The path of the live thread tid, copied: 0, or -1 if it has none. */
static int path_copy(const struct nsp_records *src, pid_t tid, struct nsp_path *p)
{
	const struct nsp_thread *t = nsp_recmap_find(src->ctx, tid);
	nsp_ref r = t ? atomic_load_explicit(&t->path, memory_order_relaxed) : 0;
	struct nsp_thread b;

	/* No path since the thread's end: the one it ended with. */
	if (t && !r && !ended_with(t, &b))
		r = atomic_load_explicit(&b.path, memory_order_relaxed);
	return r && !nsp_pool_copy(&nsp_paths, NSP_REF_IDX(r), NSP_REF_GEN(r), p) ? 0 : -1;
}

static size_t path_of(const struct nsp_records *src, pid_t tid, int kind, struct nsp_step *out,
		      size_t cap, size_t *dropped)
{
	struct nsp_path pc, *t = &pc;
	struct nsp_step *all = out;
	struct nsp_hist h;
	size_t k = 0;

	*dropped = 0;
	if (cap < NSP_HISTORY || path_copy(src, tid, &pc))
		return 0;
	for (int i = 0; i < NSP_HISTORY; i++) {
		nsp_ref r = atomic_load_explicit(&t->hist[i], memory_order_relaxed);
		struct nsp_step *st = &all[k];
		if (!r || nsp_pool_copy(&nsp_hists, NSP_REF_IDX(r), NSP_REF_GEN(r), &h) ||
		    !(h.kinds & (1u << kind)))
			continue;
		memset(st, 0, sizeof(*st));
		st->call = h.call;
		st->kinds = h.kinds;
		st->tid = tid;
		st->seq = h.seq;
		st->target_type = -1;
		/* h.to holds the namespaces of its first kinds, in order. */
		if (__builtin_popcount(h.kinds & ((1u << kind) - 1)) < NSP_HIST_TO)
			st->to = h.to[__builtin_popcount(h.kinds & ((1u << kind) - 1))];
		st->stack.depth = h.depth;
		memcpy(st->stack.ip, h.ip, h.depth * sizeof(h.ip[0]));
		k++;
	}
	k = last_sorted(all, k, cap);
	if (t->nkind[kind] > k)
		*dropped = t->nkind[kind] - k;
	return k;
}

static size_t failures_of(const struct nsp_records *src, pid_t tid, int kind,
			  struct nsp_step *out, size_t cap, size_t *dropped)
{
	struct nsp_path pc, *t = &pc;
	uint32_t n;
	size_t k = 0;

	*dropped = 0;
	if (cap < NSP_FAILED_MAX || path_copy(src, tid, &pc))
		return 0;
	for (int i = 0; i < NSP_FAILED_MAX; i++) {
		nsp_ref r = atomic_load_explicit(&t->failed[i], memory_order_relaxed);
		struct nsp_step *st = &out[k];
		struct nsp_event e;
		if (!r || nsp_pool_copy(&nsp_events, NSP_REF_IDX(r), NSP_REF_GEN(r), &e) || !e.err)
			continue;
		memset(st, 0, sizeof(*st));
		st->call = e.call;
		st->kinds = e.kinds;
		st->tid = e.tid;
		st->seq = e.seq;
		st->err = e.err;
		st->target_type = e.target_type;
		st->target = e.target;
		if (e.at_kind == kind)
			st->from = st->to = e.at;
		st->stack = e.stack;
		k++;
	}
	k = last_sorted(out, k, cap);
	n = atomic_load_explicit(&t->nfailed, memory_order_relaxed);
	if (n > k)
		*dropped = n - k;
	return k;
}

int nsp_event_cause(nsp_ref r, struct nsp_cause *c)
{
	struct nsp_rec_event e;

	if (!r || event_at(NULL, r, &e))
		return -ESRCH;
	c->call = e.call;
	c->kinds = e.kinds;
	c->tid = e.tid;
	c->seq = e.seq;
	c->stack = e.stack;
	return 0;
}

/* The scan with the threads the records know, the main thread and this
 * one: /proc/PID/task is not listed when they are all there are. */
static int scan_known(struct nsp_report *r, struct nsp_arena *a, pid_t tid,
		      enum nsp_trigger trigger, int signo)
{
	size_t cap = (size_t)nsp_pool_high(&nsp_threads) + 2, n;
	pid_t *known = nsp_arena_alloc(a, cap * sizeof(*known));

	if (known && (n = nsp_thread_tids(known, cap - 2)) <= cap - 2) {
		known[n++] = getpid();
		known[n++] = gettid();
	} else
		n = 0;
	return nsp_report_scan_known(r, a, getpid(), tid, trigger, signo, known, n);
}

int nsp_report_collect(struct nsp_report *r, struct nsp_arena *a, pid_t tid,
		       enum nsp_trigger trigger, int signo)
{
	struct nsp_recmap m;
	struct nsp_records src = { thread_of, thread_at, event_at, &m, path_of, failures_of };

	pid_t proc_pid, proc_tid;
	int e, own;

	atomic_fetch_add(&nsp_reporting, 1);
	/* A pid namespace of our own seen through its parent's /proc: read
	 * there by /proc's numbers (through this thread, alive and ours),
	 * numbered as we number ourselves. */
	own = nsp_proc_self_numbers(&proc_pid, &proc_tid);
	if (own == 1)
		e = nsp_report_scan_renumbered(r, a, getpid(), proc_pid, proc_tid, trigger, signo);
	else if (own == -ENOENT)
		/* /proc here shows no process of ours (none mounted, or one of a
		 * pid namespace below ours): our pid there is another's. */
		e = nsp_report_unreadable(r, getpid(), trigger, signo, -ENOENT);
	else
		e = scan_known(r, a, tid, trigger, signo);
	if (e == 0) {
		if (nsp_recmap_build(&m, a))
			r->proc_err = -ENOMEM;
		nsp_report_explain(r, &src, a);
	}
	atomic_fetch_sub(&nsp_reporting, 1);
	return r->proc_err;
}
