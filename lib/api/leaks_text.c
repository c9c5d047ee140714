/* The thread-leak report, for people: one block per leaked thread (what
 * it runs, its namespaces, where it was created), then one SUMMARY line.
 * Stacks and namespace lines read as in the spill report. */
#include "api/api.h"
#include "base/nstype.h"
#include "base/out.h"
#include "base/verdict.h"
#include "report/report.h"
#include "report/sym.h"
#include "rt/collect.h"
#include "rt/registry.h"

/* A spilled type's cause, once per recorded call (a call can change
 * several types). */
static void cause(struct nsp_out *o, const struct nsp_leak *k, int type, uint64_t *shown,
		  struct nsp_sym *s)
{
	struct nsp_cause c;
	int kind = nsp_kind_of_type(type);

	if (!k->rec || nsp_event_cause(k->rec->cause[kind], &c) || c.seq == *shown)
		return;
	*shown = c.seq;
	nsp_text_cause(o, &c, s);
}

static void namespaces(struct nsp_out *o, const struct nsp_leaks *l, const struct nsp_leak *k,
		       struct nsp_sym *s)
{
	uint64_t shown = 0;
	int spilled = 0;

	for (int type = 0; type < NAMSPILL_NS_COUNT; type++) {
		if (!nsp_spilled(&k->task, &l->verdict, type))
			continue;
		nsp_out_str(o, spilled++ ? "    " : "  in a foreign namespace:\n    ");
		nsp_text_ns(o, &l->verdict, l->nthreads, type, &k->task.ns[type]);
		cause(o, k, type, &shown, s);
	}
	if (!spilled)
		nsp_out_str(o, "  namespaces: those of the majority of threads\n");
}

static void creation(struct nsp_out *o, const struct nsp_thread *r, struct nsp_sym *s)
{
	if (!r || !r->parent_tid) {
		nsp_out_str(o, "  no creation recorded: the main thread, or a thread started before\n"
			       "  namspill was loaded or by a raw clone()\n");
		return;
	}
	nsp_out_str(o, "  created by thread ");
	nsp_out_i64(o, r->parent_tid);
	nsp_out_str(o, " at:\n");
	nsp_text_stack(o, &r->stack, s);
}

static void block(struct nsp_out *o, const struct nsp_leaks *l, const struct nsp_leak *k,
		  struct nsp_sym *s)
{
	nsp_out_str(o, "==");
	nsp_out_i64(o, l->pid);
	nsp_out_str(o, "== ERROR: namspill: thread ");
	nsp_out_i64(o, k->task.tid);
	if (k->task.comm[0]) {
		nsp_out_str(o, " (");
		nsp_out_text(o, k->task.comm);
		nsp_out_str(o, ")");
	}
	nsp_out_str(o, " leaked: started after the baseline, still running\n");
	if (k->rec && k->rec->start) {
		struct nsp_frame f;
		nsp_sym_entry(s, (uintptr_t)k->rec->start, &f);
		nsp_out_str(o, "  start routine");
		if (f.function || f.file)
			nsp_text_where(o, &f);
		else
			nsp_out_str(o, " unknown");
		nsp_out_str(o, "\n");
	}
	namespaces(o, l, k, s);
	creation(o, k->rec, s);
	nsp_out_str(o, "\n");
}

void nsp_write_leaks(struct nsp_out *o, const struct nsp_leaks *l, struct nsp_sym *s)
{
	for (size_t i = 0; i < l->n; i++)
		block(o, l, &l->v[i], s);
	nsp_out_str(o, "SUMMARY: namspill: ");
	nsp_out_u64(o, l->n);
	nsp_out_str(o, l->n == 1 ? " thread" : " threads");
	nsp_out_str(o, " leaked, of ");
	nsp_out_u64(o, l->nthreads);
	nsp_out_str(o, " running");
	if (l->nignored) {
		nsp_out_str(o, " (");
		nsp_out_u64(o, l->nignored);
		nsp_out_str(o, " more ignored)");
	}
	nsp_out_str(o, "\n");
}
