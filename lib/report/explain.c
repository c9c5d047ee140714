/* Explaining spills from records, whoever kept them: the runtime's
 * registry inside the program, the tracer's own outside it.  A spill's
 * cause is the call that last set that namespace kind for the thread; a
 * thread born with it (inherited) is followed back through its creators
 * to the thread that made the call. */
#include <string.h>

#include "report/report.h"

#define MAX_HOPS 64

static struct nsp_hop *hop_of(const struct nsp_rec_thread *t, struct nsp_hop *h)
{
	h->tid = t->tid;
	h->parent_tid = t->parent_tid;
	h->stack = t->stack;
	return h;
}

static void explain(struct nsp_spill *s, const struct nsp_records *src, struct nsp_arena *a)
{
	struct nsp_rec_thread *cur = nsp_arena_alloc(a, sizeof(*cur));
	struct nsp_rec_event *e = nsp_arena_alloc(a, sizeof(*e));
	struct nsp_cause *c = nsp_arena_alloc(a, sizeof(*c));
	struct nsp_hop *hops, *h;
	uint64_t id;

	if (!cur || !e || !c || src->thread(src, s->tid, cur))
		return;
	if (cur->stack.depth && (h = nsp_arena_alloc(a, sizeof(*h))))
		s->creation = hop_of(cur, h);
	id = cur->cause[nsp_kind_of_type(s->type)];
	if (!id || src->event_at(src, id, e))
		return;
	c->call = e->call;
	c->kinds = e->kinds;
	c->tid = e->tid;
	c->seq = e->seq;
	c->stack = e->stack;
	s->cause = c;
	if (e->owner == cur->id || !(hops = nsp_arena_alloc(a, MAX_HOPS * sizeof(*hops))))
		return;
	/* Inherited: creators back to the thread that made the call. */
	s->hops = hops;
	while (s->nhops < MAX_HOPS) {
		hop_of(cur, &hops[s->nhops++]);
		id = cur->parent;
		if (!id || id == e->owner || src->thread_at(src, id, cur))
			break;
	}
}

struct home_ctx {
	const struct nsp_records *src;
	struct nsp_step *steps; /* STEPS of them, or NULL */
};
#define STEPS 16

/* The types thread t has a recorded switch of: a cause of their kind. */
static unsigned recorded_types(const struct nsp_moved *m, const struct namspill_task *t)
{
	const struct nsp_records *src = ((const struct home_ctx *)m->ctx)->src;
	struct nsp_rec_thread rec;
	unsigned types = 0;

	if (src->thread(src, t->tid, &rec))
		return 0;
	for (int type = 0; type < NAMSPILL_NS_COUNT; type++)
		if (rec.cause[nsp_kind_of_type(type)])
			types |= 1u << type;
	return types;
}

/* Whether a kept switch of t's took it into ns (1 where not known). */
static int entered(const struct nsp_moved *m, const struct namspill_task *t, int type,
		   const struct namspill_nsid *ns)
{
	const struct home_ctx *h = m->ctx;
	size_t n, dropped = 0;

	if (!h->src->path || !h->steps)
		return 1;
	n = h->src->path(h->src, t->tid, nsp_kind_of_type(type), h->steps, STEPS, &dropped);
	if (dropped)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (!h->steps[i].err && (!h->steps[i].to || h->steps[i].to == ns->ino))
			return 1;
	return 0;
}

/* The scan took the verdict without records: a tie went to the main
 * thread's side, and the most threads' side won over the main thread's.
 * Now the records may say which side moved; threads that became spills
 * so are asked whether they count, as the scan asked its spills. */
static void settle_home(struct nsp_report *r, const struct nsp_records *src, struct nsp_arena *a)
{
	struct home_ctx h = { src, nsp_arena_alloc(a, STEPS * sizeof(struct nsp_step)) };
	const struct nsp_moved moved = { recorded_types, &h, entered };
	int again = 0;

	for (size_t i = 0; i < r->nspills && !again; i++)
		again = r->spills[i].tid == r->pid;
	for (int type = 0; type < NAMSPILL_NS_COUNT && !again; type++)
		again = r->verdict.tie[type] != NSP_TIE_NONE;
	if (again && !nsp_report_judge(r, a, &moved))
		nsp_report_leave_out(r, a, &moved);
}

void nsp_report_explain(struct nsp_report *r, const struct nsp_records *src, struct nsp_arena *a)
{
	if (!r->proc_err)
		settle_home(r, src, a);
	for (size_t i = 0; !r->proc_err && i < r->nspills; i++) {
		explain(&r->spills[i], src, a);
		nsp_explain_path(r, &r->spills[i], src, a);
	}
}
