/* Collect a report: read every thread's namespaces, take the verdict, and
 * explain each spill from the records.  Records are copied and validated
 * (other threads keep running), never locked.  Uses only the arena, so it
 * runs at exit and in a signal handler alike. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "nsp.h"

#define MAX_HOPS 64
#define MAX_ARGV ((size_t)64 << 10) /* of the command line, for the report */

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

int nsp_cause_copy(nsp_ref r, struct nsp_event *e, struct nsp_cause *c)
{
	if (!r || nsp_pool_copy(&nsp_events, NSP_REF_IDX(r), NSP_REF_GEN(r), e))
		return -1;
	c->call = e->call;
	c->kinds = e->kinds;
	c->tid = e->tid;
	c->seq = e->seq;
	c->stack = e->stack;
	return 0;
}

static void explain(struct nsp_spill *s, const struct nsp_thread *rec, struct nsp_arena *a)
{
	int kind = nsp_kind_of_type(s->type);
	nsp_ref r = rec ? rec->cause[kind] : 0;
	struct nsp_event *e = nsp_arena_alloc(a, sizeof(*e));
	struct nsp_cause *c = nsp_arena_alloc(a, sizeof(*c));
	struct nsp_hop *hops;
	struct nsp_thread cur;

	if (rec && rec->stack.depth) {
		struct nsp_hop *h = nsp_arena_alloc(a, sizeof(*h));
		if (h) {
			h->tid = rec->tid;
			h->parent_tid = rec->parent_tid;
			h->stack = rec->stack;
			s->creation = h;
		}
	}
	if (!e || !c || nsp_cause_copy(r, e, c))
		return;
	s->cause = c;
	if (e->owner == rec->me)
		return;
	/* Inherited: walk creators back to the thread that made the call. */
	hops = nsp_arena_alloc(a, MAX_HOPS * sizeof(*hops));
	if (!hops)
		return;
	cur = *rec;
	while (s->nhops < MAX_HOPS) {
		struct nsp_hop *h = &hops[s->nhops++];
		nsp_ref p = cur.parent;
		h->tid = cur.tid;
		h->parent_tid = cur.parent_tid;
		h->stack = cur.stack;
		if (!p || p == e->owner ||
		    nsp_pool_copy(&nsp_threads, NSP_REF_IDX(p), NSP_REF_GEN(p), &cur))
			break;
	}
	s->hops = hops;
}

static void read_argv(struct nsp_report *r, struct nsp_arena *a)
{
	size_t avail;
	char *buf = nsp_arena_rest(a, &avail);
	ssize_t n = buf ? nsp_proc_read(r->pid, "cmdline", buf, avail < MAX_ARGV ? avail : MAX_ARGV) : -1;

	if (n > 0) {
		nsp_arena_keep(a, (size_t)n);
		r->argv = buf;
		r->argv_len = (size_t)n;
	}
}

/* Threads of pid, the verdict and the list of spills, without causes:
 * shared by the in-process report and the tracer, which explains spills
 * from its own records. */
int nsp_report_scan(struct nsp_report *r, struct nsp_arena *a, pid_t pid,
		    const char *trigger, int signo)
{
	struct namspill_task *t = NULL;
	void *work;
	long n;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->trigger = trigger;
	r->signo = signo;
	nsp_proc_comm(r->pid, r->pid, r->comm);
	read_argv(r, a);
	n = nsp_proc_namespaces(r->pid, a, &t);
	if (n <= 0) {
		r->proc_err = n < 0 ? (int)n : -ESRCH;
		return r->proc_err;
	}
	r->nthreads = (size_t)n;
	work = nsp_arena_alloc(a, nsp_majority_work((size_t)n));
	if (!work)
		return r->proc_err = -ENOMEM;
	nsp_majority(t, (size_t)n, r->pid, &r->verdict, work);
	/* Room for the worst case; untouched pages of the arena cost nothing. */
	r->spills = nsp_arena_alloc(a, (size_t)n * NAMSPILL_NS_COUNT * sizeof(*r->spills));
	if (!r->spills)
		return r->proc_err = -ENOMEM;
	for (long i = 0; i < n; i++) {
		for (int type = 0; type < NAMSPILL_NS_COUNT; type++) {
			struct nsp_spill *s = &r->spills[r->nspills];
			if (!nsp_spilled(&t[i], &r->verdict, type))
				continue;
			memset(s, 0, sizeof(*s));
			s->tid = t[i].tid;
			/* Names only of spilled threads: one /proc read each. */
			if (r->nspills && s[-1].tid == s->tid)
				memcpy(s->comm, s[-1].comm, sizeof(s->comm));
			else
				nsp_proc_comm(r->pid, s->tid, s->comm);
			s->type = type;
			s->ns = t[i].ns[type];
			r->nspills++;
		}
	}
	return 0;
}

int nsp_report_collect(struct nsp_report *r, struct nsp_arena *a,
		       const char *trigger, int signo)
{
	struct nsp_recmap m;

	atomic_fetch_add(&nsp_reporting, 1);
	if (nsp_report_scan(r, a, getpid(), trigger, signo) == 0) {
		if (nsp_recmap_build(&m, a))
			r->proc_err = -ENOMEM;
		for (size_t i = 0; !r->proc_err && i < r->nspills; i++)
			explain(&r->spills[i], nsp_recmap_find(&m, r->spills[i].tid), a);
	}
	atomic_fetch_sub(&nsp_reporting, 1);
	return r->proc_err;
}
