/* A traced process's report: the verdict from /proc (lib/report.c), the
 * causes from the tracer's records, the writers of lib/.  Runs while the
 * process is stopped, so every thread and mapping is still there. */
#include <string.h>

#include "trace.h"

#define ARENA_SIZE ((size_t)256 << 20)
#define MAX_HOPS 64

static struct nsp_hop *hop_of(const struct trec *t, struct nsp_arena *a)
{
	struct nsp_hop *h = nsp_arena_alloc(a, sizeof(*h));

	if (h) {
		h->tid = t->tid;
		h->parent_tid = t->parent_tid;
		h->stack = t->stack;
	}
	return h;
}

static void explain(struct nsp_spill *s, const struct trec *rec, struct nsp_arena *a)
{
	const struct tev *e;
	struct nsp_cause *c;
	struct nsp_hop *hops;

	if (!rec)
		return;
	if (rec->stack.depth)
		s->creation = hop_of(rec, a);
	e = rec->cause[nsp_kind_of_type(s->type)];
	if (!e || !(c = nsp_arena_alloc(a, sizeof(*c))))
		return;
	c->call = e->call;
	c->kinds = e->kinds;
	c->tid = e->tid;
	c->seq = e->seq;
	c->stack = e->stack;
	s->cause = c;
	if (e->owner == rec || !(hops = nsp_arena_alloc(a, MAX_HOPS * sizeof(*hops))))
		return;
	/* Inherited: creators back to the thread that made the call. */
	for (const struct trec *t = rec; t && t != e->owner && s->nhops < MAX_HOPS; t = t->parent) {
		hops[s->nhops].tid = t->tid;
		hops[s->nhops].parent_tid = t->parent_tid;
		hops[s->nhops].stack = t->stack;
		s->nhops++;
	}
	s->hops = hops;
}

/* Frame 0 is the caller of setns/unshare, as in the preload mode: drop
 * the libc or Go syscall wrappers the stack was taken in. */
static void trim(struct nsp_stack *st, struct nsp_sym *s)
{
	uint32_t drop = 0;

	while (drop + 1 < st->depth) {
		struct nsp_frame f;
		nsp_sym_frame(s, st->ip[drop], &f);
		if (!trace_is_wrapper(f.function))
			break;
		drop++;
	}
	memmove(st->ip, st->ip + drop, (st->depth - drop) * sizeof(st->ip[0]));
	st->depth -= drop;
}

/* The stacks are the arena's own copies, so trimming them is safe. */
static void trim_spill(struct nsp_spill *sp, struct nsp_sym *s)
{
	if (sp->cause)
		trim(&((struct nsp_cause *)sp->cause)->stack, s);
	if (sp->creation)
		trim(&((struct nsp_hop *)sp->creation)->stack, s);
	for (size_t k = 0; k < sp->nhops; k++)
		trim(&((struct nsp_hop *)sp->hops)[k].stack, s);
}

int trace_report(struct tproc *p, const char *trigger, int signo)
{
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
	nsp_report_scan(&r, &a, p->tgid, trigger, signo);
	n = r.proc_err ? -1 : (int)r.nspills;
	for (size_t i = 0; i < r.nspills; i++) {
		struct trec *t = trec_find(r.spills[i].tid);
		if (t && t->tgid == p->tgid)
			trec_settle(t); /* stopped in its last call, or about to die */
		explain(&r.spills[i], t && t->tgid == p->tgid ? t : NULL, &a);
	}
	s = nsp_sym_open_pid(&a, p->tgid, n > 0);
	for (size_t i = 0; i < r.nspills; i++)
		trim_spill(&r.spills[i], s);
	if (n > 0)
		n = (int)nsp_report_suppress(&r, s); /* on the stacks as shown */
	nsp_emit_report(&r, s);
	nsp_sym_close(s);
	nsp_arena_fini(&a);
	return n;
}
