/* The text report, for people: one block per spilled thread and cause,
 * culprit first, then how the thread inherited it, then one SUMMARY line.
 * Every name that comes from the process goes through nsp_out_text. */
#include <errno.h>
#include <string.h>

#include "base/fmt.h"
#include "base/nstype.h"
#include "base/out.h"
#include "base/verdict.h"
#include "report/report.h"
#include "report/sym.h"

static void prefix(struct nsp_out *o, const struct nsp_report *r)
{
	nsp_out_str(o, "==");
	nsp_out_i64(o, r->pid);
	nsp_out_str(o, "== ");
}

void nsp_text_where(struct nsp_out *o, const struct nsp_frame *f)
{
	if (f->function) {
		nsp_out_str(o, " in ");
		nsp_out_text(o, f->function);
	}
	if (f->file) {
		nsp_out_str(o, " ");
		nsp_out_text(o, f->file);
		if (f->line > 0) {
			nsp_out_str(o, ":");
			nsp_out_i64(o, f->line);
		}
	}
}

void nsp_text_frame(struct nsp_out *o, uint64_t n, const struct nsp_frame *f)
{
	nsp_out_str(o, "    #");
	nsp_out_u64(o, n);
	nsp_out_str(o, " ");
	nsp_out_hex(o, f->ip);
	nsp_text_where(o, f);
	if (f->module) {
		nsp_out_str(o, " (");
		nsp_out_text(o, nsp_base_name(f->module));
		nsp_out_str(o, "+");
		nsp_out_hex(o, f->offset);
		nsp_out_str(o, ")");
	}
	if (f->inlined)
		nsp_out_str(o, " [inlined]");
	nsp_out_str(o, "\n");
}

void nsp_text_no_stack(struct nsp_out *o)
{
	nsp_out_str(o, "    (no stack recorded)\n");
}

void nsp_text_stack(struct nsp_out *o, const struct nsp_stack *st, struct nsp_sym *s)
{
	uint64_t no = 0;

	if (!st->depth)
		nsp_text_no_stack(o);
	for (uint32_t i = 0; i < st->depth; i++) {
		struct nsp_frame fr[NSP_MAX_INLINE];
		int n = nsp_sym_frames(s, st->ip[i], fr, NSP_MAX_INLINE);
		for (int k = 0; k < n; k++)
			nsp_text_frame(o, no++, &fr[k]);
	}
}

/* "net:[X] here; net:[Y] in M of N threads", and the rule that settled a tie */
static void ns_line(struct nsp_out *o, const struct nsp_verdict *v, size_t nthreads, int type,
		    const struct namspill_nsid *here, const struct nsp_nsnames *names)
{
	if (here->dev == NAMSPILL_NS_PENDING) {
		nsp_out_str(o, nsp_ns_names[type]);
		nsp_out_str(o, ": a new one, not made yet (unshared, no child since) here; ");
	} else {
		nsp_text_nsid(o, names, type, here->ino);
		nsp_out_str(o, " here; ");
	}
	nsp_text_nsid(o, names, type, v->majority[type].ino);
	nsp_out_str(o, " in ");
	nsp_out_u64(o, v->count[type]);
	nsp_out_str(o, " of ");
	nsp_out_u64(o, nthreads);
	nsp_out_str(o, " threads");
	switch (v->tie[type]) {
	case NSP_TIE_UNMOVED:
		nsp_out_str(o, " (a tie: taken as home where no thread has a recorded switch)");
		break;
	case NSP_TIE_MAIN:
		nsp_out_str(o, " (a tie: taken as home where the main thread is)");
		break;
	case NSP_TIE_INODE:
		nsp_out_str(o, " (a tie: taken as home by the lower inode)");
		break;
	case NSP_HOME_MAIN:
		nsp_out_str(o, " (taken as home: the main thread has no recorded switch, and every "
			       "thread where most are was moved there by one)");
		break;
	}
	nsp_out_str(o, "\n");
}

void nsp_text_ns(struct nsp_out *o, const struct nsp_verdict *v, size_t nthreads, int type,
		 const struct namspill_nsid *here)
{
	ns_line(o, v, nthreads, type, here, NULL);
}

void nsp_text_ns_named(struct nsp_out *o, const struct nsp_report *r, int type,
		       const struct namspill_nsid *here)
{
	ns_line(o, &r->verdict, r->nthreads, type, here, r->names);
}

static int same_cause(const struct nsp_spill *a, const struct nsp_spill *b)
{
	if (a->tid != b->tid || a->suppressed != b->suppressed)
		return 0;
	if (!a->cause || !b->cause)
		return a->cause == b->cause;
	return a->cause->seq == b->cause->seq;
}

static void thread_name(struct nsp_out *o, pid_t tid, const char *comm)
{
	nsp_out_str(o, "thread ");
	nsp_out_i64(o, tid);
	if (comm && *comm) {
		nsp_out_str(o, " (");
		nsp_out_text(o, comm);
		nsp_out_str(o, ")");
	}
}

static void flags(struct nsp_out *o, unsigned kinds)
{
	int first = 1;

	for (int k = 0; k < NSP_NKINDS; k++) {
		if (!(kinds & (1u << k)))
			continue;
		nsp_out_str(o, first ? "" : "|");
		nsp_out_str(o, nsp_flag_name(k));
		first = 0;
	}
}

void nsp_text_cause(struct nsp_out *o, const struct nsp_cause *c, struct nsp_sym *s)
{
	nsp_out_str(o, "  moved there by ");
	nsp_out_str(o, c->call == NSP_CALL_SETNS ? "setns(" : "unshare(");
	flags(o, c->kinds);
	nsp_out_str(o, ") on thread ");
	nsp_out_i64(o, c->tid);
	nsp_out_str(o, ", call #");
	nsp_out_u64(o, c->seq);
	nsp_out_str(o, ":\n");
	nsp_text_stack(o, &c->stack, s);
}

static void block(struct nsp_out *o, const struct nsp_report *r, size_t i, struct nsp_sym *s)
{
	const struct nsp_spill *sp = &r->spills[i];
	const struct nsp_cause *c = sp->cause;
	prefix(o, r);
	nsp_out_str(o, "ERROR: namspill: ");
	thread_name(o, sp->tid, sp->comm);
	nsp_out_str(o, " left in a foreign namespace\n");
	/* A thread's spills are next to each other (the scan lists them
	 * thread by thread), and only those can share its cause. */
	for (size_t k = i; k < r->nspills && r->spills[k].tid == sp->tid; k++) {
		const struct nsp_spill *x = &r->spills[k];
		if (!same_cause(sp, x))
			continue;
		nsp_out_str(o, "    ");
		nsp_text_ns_named(o, r, x->type, &x->ns);
	}
	if (!c) {
		nsp_out_str(o, "  no recorded setns/unshare explains it: the thread was moved by a\n"
			       "  raw system call or before namspill was loaded, or the rest of the\n"
			       "  process moved away from it\n");
		nsp_text_failed(o, r, sp, s);
		nsp_out_str(o, "\n");
		return;
	}
	nsp_text_cause(o, c, s);
	nsp_text_failed(o, r, sp, s);
	for (size_t k = i; k < r->nspills && r->spills[k].tid == sp->tid; k++)
		if (same_cause(sp, &r->spills[k]))
			nsp_text_path(o, r, &r->spills[k], s);
	if (!sp->nhops && sp->creation) {
		nsp_out_str(o, "  thread ");
		nsp_out_i64(o, sp->tid);
		nsp_out_str(o, " was created by thread ");
		nsp_out_i64(o, sp->creation->parent_tid);
		nsp_out_str(o, " at:\n");
		nsp_text_stack(o, &sp->creation->stack, s);
	}
	for (size_t h = 0; h < sp->nhops; h++) {
		nsp_out_str(o, "  inherited by thread ");
		nsp_out_i64(o, sp->hops[h].tid);
		nsp_out_str(o, " from its creator, thread ");
		nsp_out_i64(o, sp->hops[h].parent_tid);
		nsp_out_str(o, ", which created it at:\n");
		nsp_text_stack(o, &sp->hops[h].stack, s);
	}
	nsp_out_str(o, "\n");
}

static size_t spilled_threads(const struct nsp_report *r, unsigned *types)
{
	size_t n = 0;

	pid_t last = 0;

	*types = 0;
	for (size_t i = 0; i < r->nspills; i++) {
		if (r->spills[i].suppressed)
			continue;
		*types |= 1u << r->spills[i].type;
		n += r->spills[i].tid != last;
		last = r->spills[i].tid;
	}
	return n;
}

static void suppressed(struct nsp_out *o, const struct nsp_report *r)
{
	if (!r->nsuppressed)
		return;
	nsp_out_str(o, "; ");
	nsp_out_u64(o, r->nsuppressed);
	nsp_out_str(o, " suppressed");
}

static void summary(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s)
{
	unsigned types;
	size_t n = spilled_threads(r, &types);
	int first = 1;

	nsp_out_str(o, "SUMMARY: namspill: ");
	nsp_out_u64(o, n);
	nsp_out_str(o, n == 1 ? " thread" : " threads");
	nsp_out_str(o, " of ");
	nsp_out_u64(o, r->nthreads);
	nsp_out_str(o, " left in a foreign namespace (");
	for (int t = 0; t < NAMSPILL_NS_COUNT; t++) {
		if (!(types & (1u << t)))
			continue;
		nsp_out_str(o, first ? "" : ", ");
		nsp_out_str(o, nsp_ns_names[t]);
		first = 0;
	}
	nsp_out_str(o, ")");
	for (size_t i = 0; i < r->nspills; i++) {
		const struct nsp_cause *c = r->spills[i].cause;
		struct nsp_frame f;
		if (!c || !c->stack.depth || r->spills[i].suppressed)
			continue;
		nsp_sym_frame(s, c->stack.ip[0], &f);
		nsp_out_str(o, c->call == NSP_CALL_SETNS ? "; first cause: setns()" :
			       "; first cause: unshare()");
		nsp_text_where(o, &f);
		break;
	}
	suppressed(o, r);
	nsp_out_str(o, "\n");
}

void nsp_write_text(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s)
{
	if (r->proc_err) {
		prefix(o, r);
		nsp_out_str(o, "namspill: cannot judge namespaces: /proc/self/task is unreadable (");
		nsp_out_str(o, strerrorname_np(-r->proc_err) ? strerrorname_np(-r->proc_err) : "?");
		/* The cause, where the errno names one. */
		if (r->proc_err == -EMFILE || r->proc_err == -ENFILE)
			nsp_out_str(o, r->proc_err == -EMFILE ?
					       "): the process holds every descriptor its limit allows\n" :
					       "): the system holds every file it allows\n");
		else if (r->proc_err == -ENOENT)
			nsp_out_str(o, "); is /proc mounted, and for this process's pid namespace?\n");
		else
			nsp_out_str(o, ")\n");
		return;
	}
	if (r->nspills == r->nsuppressed) {
		nsp_out_str(o, "namspill: no spilled threads (");
		nsp_out_u64(o, r->nthreads);
		nsp_out_str(o, " threads checked");
		suppressed(o, r);
		nsp_out_str(o, ")\n");
		return;
	}
	for (size_t i = 0; i < r->nspills; i++) {
		int seen = r->spills[i].suppressed;
		for (size_t j = i; j-- > 0 && r->spills[j].tid == r->spills[i].tid && !seen;)
			seen = same_cause(&r->spills[j], &r->spills[i]);
		if (!seen)
			block(o, r, i, s);
	}
	summary(o, r, s);
}
