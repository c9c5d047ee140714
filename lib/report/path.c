/* A spilled thread's failed calls and the path it took in the spill's
 * type, from whoever kept records, and the namespaces along that path
 * that follow from what is known.  Sources know different things: the
 * tracer and the supervisor read the thread's namespaces around each
 * call; the runtime reads none on a successful call (that would cost a
 * system call each), only when one fails.  What every source knows:
 *   - the last switch of the type led to where the thread is now (the
 *     same assumption that makes it the cause);
 *   - a failed call left the thread where it was, so the switch before
 *     it led there, and the one after it started from there;
 *   - consecutive switches of one type meet: one's end is the next's
 *     start (a source keeps a thread's latest switches, none in between
 *     left out);
 *   - a thread born where the process started (the runtime knows which)
 *     starts its path there if all of it was kept, and the process
 *     started where its main thread is if that never switched. */
#include <string.h>

#include "report/report.h"

static int by_seq(const struct nsp_step *a, const struct nsp_step *b)
{
	return a->seq < b->seq;
}

/* Fills from and to of the path from the cause and the failed calls. */
static void infer(struct nsp_spill *s, struct nsp_step *p, size_t n)
{
	const struct nsp_step *f = s->failed;

	if (n && s->cause && s->cause->seq == p[n - 1].seq && !p[n - 1].to &&
	    s->ns.dev != NAMSPILL_NS_PENDING)
		p[n - 1].to = s->ns.ino;
	for (size_t i = 0; i < s->nfailed; i++) {
		uint64_t at = f[i].from ? f[i].from : f[i].to;
		size_t k = 0;
		if (!at)
			continue;
		while (k < n && by_seq(&p[k], &f[i]))
			k++;
		/* p[k-1] is the last switch before the failed call. */
		if (k && !p[k - 1].to)
			p[k - 1].to = at;
		if (k < n && !p[k].from)
			p[k].from = at;
	}
	for (size_t i = 0; i + 1 < n; i++) {
		if (!p[i].to)
			p[i].to = p[i + 1].from;
		if (!p[i + 1].from)
			p[i + 1].from = p[i].to;
	}
	/* And back, for a chain known only at its end. */
	for (size_t i = n; i-- > 1;)
		if (!p[i - 1].to)
			p[i - 1].to = p[i].from;
}

/* Up to cap steps from fill into the arena, keeping only what it used. */
static struct nsp_step *take(struct nsp_arena *a, size_t cap, size_t *n)
{
	size_t avail;
	struct nsp_step *p = nsp_arena_rest(a, &avail);

	*n = 0;
	return p && avail >= cap * sizeof(*p) ? p : NULL;
}

/* The namespace of type the process started in: where its main thread
 * is, if that never switched it (0: not known). */
static uint64_t start_ns(const struct nsp_report *r, const struct nsp_records *src,
			 struct nsp_rec_thread *m, int type)
{
	int kind = nsp_kind_of_type(type);

	if (src->thread(src, r->pid, m) || !(m->home & (1u << kind)) || m->cause[kind])
		return 0;
	for (size_t i = 0; i < r->nspills; i++)
		if (r->spills[i].tid == r->pid && r->spills[i].type == type)
			return r->spills[i].ns.dev == NAMSPILL_NS_PENDING ? 0 : r->spills[i].ns.ino;
	return r->verdict.majority[type].ino; /* not spilled: in the majority */
}

/* The start of a path the thread made whole from where it was born. */
static void path_start(const struct nsp_report *r, struct nsp_spill *s,
		       const struct nsp_records *src, struct nsp_arena *a, struct nsp_step *p)
{
	struct nsp_rec_thread *t = nsp_arena_alloc(a, 2 * sizeof(*t));
	int kind = nsp_kind_of_type(s->type);

	if (!t || p->from || s->path_dropped || src->thread(src, s->tid, t) ||
	    !(t->home & (1u << kind)))
		return;
	p->from = start_ns(r, src, t + 1, s->type);
}

void nsp_explain_path(const struct nsp_report *r, struct nsp_spill *s,
		      const struct nsp_records *src, struct nsp_arena *a)
{
	int kind = nsp_kind_of_type(s->type);
	struct nsp_step *f, *p;

	if (kind < 0)
		return;
	if (src->failures && (f = take(a, NSP_FAILED_MAX, &s->nfailed))) {
		s->nfailed = src->failures(src, s->tid, kind, f, NSP_FAILED_MAX, &s->failed_dropped);
		nsp_arena_keep(a, s->nfailed * sizeof(*f));
		s->failed = s->nfailed ? f : NULL;
	}
	if (src->path && (p = take(a, NSP_PATH_MAX, &s->npath))) {
		s->npath = src->path(src, s->tid, kind, p, NSP_PATH_MAX, &s->path_dropped);
		nsp_arena_keep(a, s->npath * sizeof(*p));
		s->path = s->npath ? p : NULL;
		if (s->npath)
			path_start(r, s, src, a, p);
		infer(s, p, s->npath);
	}
}
