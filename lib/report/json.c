/* The JSON report: one object per process, documented in docs/report.md.  Keys go
 * through key(), which writes the comma before every member but the
 * first of its object, so no writer below counts commas itself. */
#include <string.h>

#include "base/nstype.h"
#include "base/out.h"
#include "base/signame.h"
#include "report/report.h"
#include "report/sym.h"

/* An object (or array) being written: how many members it has so far. */
struct obj {
	struct nsp_out *o;
	int n;
};

static struct obj open_obj(struct nsp_out *o, const char *bracket)
{
	nsp_out_str(o, bracket);
	return (struct obj){ o, 0 };
}

static void key(struct obj *j, const char *k)
{
	if (j->n++)
		nsp_out_str(j->o, ",");
	if (k) {
		nsp_out_json_str(j->o, k);
		nsp_out_str(j->o, ":");
	}
}

static void num(struct obj *j, const char *k, int64_t v)
{
	key(j, k);
	nsp_out_i64(j->o, v);
}

static void num_or_null(struct obj *j, const char *k, uint64_t v, int have)
{
	key(j, k);
	if (have)
		nsp_out_u64(j->o, v);
	else
		nsp_out_str(j->o, "null");
}

static void str(struct obj *j, const char *k, const char *v)
{
	key(j, k);
	nsp_out_json_str(j->o, v);
}

static void frame(struct obj *arr, const struct nsp_frame *f)
{
	struct obj j;

	key(arr, NULL);
	j = open_obj(arr->o, "{");
	num_or_null(&j, "ip", f->ip, 1);
	str(&j, "function", f->function);
	str(&j, "module", f->module);
	num_or_null(&j, "offset", f->offset, f->module != NULL);
	str(&j, "file", f->file);
	num_or_null(&j, "line", (uint64_t)f->line, f->line > 0);
	if (f->inlined) {
		key(&j, "inlined");
		nsp_out_str(j.o, "true");
	}
	nsp_out_str(j.o, "}");
}

static void stack(struct obj *j, const char *k, const struct nsp_stack *st, struct nsp_sym *s)
{
	struct obj arr;

	key(j, k);
	arr = open_obj(j->o, "[");
	for (uint32_t i = 0; i < st->depth; i++) {
		struct nsp_frame f[NSP_MAX_INLINE];
		int n = nsp_sym_frames(s, st->ip[i], f, NSP_MAX_INLINE);
		for (int x = 0; x < n; x++)
			frame(&arr, &f[x]);
	}
	nsp_out_str(j->o, "]");
}

static const char *call_name(int call)
{
	return call == NSP_CALL_SETNS ? "setns" : call == NSP_CALL_UNSHARE ? "unshare" : "?";
}

static void cause(struct obj *parent, const struct nsp_cause *c, struct nsp_sym *s)
{
	struct obj j, flags;

	key(parent, "cause");
	if (!c) {
		nsp_out_str(parent->o, "null");
		return;
	}
	j = open_obj(parent->o, "{");
	str(&j, "call", call_name(c->call));
	key(&j, "flags");
	flags = open_obj(j.o, "[");
	for (int k = 0; k < NSP_NKINDS; k++)
		if (c->kinds & (1u << k))
			str(&flags, NULL, nsp_flag_name(k));
	nsp_out_str(j.o, "]");
	num(&j, "tid", c->tid);
	num(&j, "seq", (int64_t)c->seq);
	stack(&j, "stack", &c->stack, s);
	nsp_out_str(j.o, "}");
}

/* A step of a thread's creation: "creation" and each "inherited_via". */
static void hop(struct obj *parent, const char *k, const struct nsp_hop *h, int with_tid,
		struct nsp_sym *s)
{
	struct obj j;

	key(parent, k);
	j = open_obj(parent->o, "{");
	if (with_tid)
		num(&j, "tid", h->tid);
	num(&j, "parent_tid", h->parent_tid);
	stack(&j, "stack", &h->stack, s);
	nsp_out_str(j.o, "}");
}

/* "name": what people call namespace ino, or null. */
static void ns_name(struct obj *j, const char *k, const struct nsp_report *r, uint64_t ino)
{
	const struct nsp_nsname *n = nsp_nsname_of(r->names, ino);

	str(j, k, n ? n->text : NULL);
}

static void flag_list(struct obj *j, unsigned kinds)
{
	struct obj flags;

	key(j, "flags");
	flags = open_obj(j->o, "[");
	for (int k = 0; k < NSP_NKINDS; k++)
		if (kinds & (1u << k))
			str(&flags, NULL, nsp_flag_name(k));
	nsp_out_str(j->o, "]");
}

/* The element of a step list, opened with what every step says:
 * {"call", "flags", "tid", "seq", ... */
static struct obj step_open(struct obj *arr, const struct nsp_step *st)
{
	struct obj j;

	key(arr, NULL);
	j = open_obj(arr->o, "{");
	str(&j, "call", call_name(st->call));
	flag_list(&j, st->kinds);
	num(&j, "tid", st->tid);
	num(&j, "seq", (int64_t)st->seq);
	return j;
}

/* {"call", "flags", "tid", "seq", "errno", "error", "description",
 *  "probably", "target": {"type", "inode", "name"} or null, "stack"} */
static void failed_attempt(struct obj *arr, const struct nsp_report *r, const struct nsp_step *f,
			   struct nsp_sym *s)
{
	int seen = f->err != NSP_ERR_UNSEEN;
	struct obj j = step_open(arr, f), t;

	num_or_null(&j, "errno", (uint64_t)f->err, seen);
	str(&j, "error", seen ? strerrorname_np(f->err) : NULL);
	str(&j, "description", seen ? strerrordesc_np(f->err) : NULL);
	key(&j, "probably");
	nsp_out_str(j.o, seen ? "false" : "true");
	key(&j, "target");
	if (f->target_type >= 0 && f->target) {
		t = open_obj(j.o, "{");
		str(&t, "type", nsp_ns_names[f->target_type]);
		num_or_null(&t, "inode", f->target, 1);
		ns_name(&t, "name", r, f->target);
		nsp_out_str(j.o, "}");
	} else {
		nsp_out_str(j.o, "null");
	}
	stack(&j, "stack", &f->stack, s);
	nsp_out_str(j.o, "}");
}

/* {"call", "flags", "tid", "seq", "from", "from_name", "inode", "name", "stack"}:
 * inode is the namespace the switch led to. */
static void path_step(struct obj *arr, const struct nsp_report *r, const struct nsp_step *st,
		      struct nsp_sym *s)
{
	struct obj j = step_open(arr, st);

	num_or_null(&j, "from", st->from, st->from != 0);
	ns_name(&j, "from_name", r, st->from);
	num_or_null(&j, "inode", st->to, st->to != 0);
	ns_name(&j, "name", r, st->to);
	stack(&j, "stack", &st->stack, s);
	nsp_out_str(j.o, "}");
}

static void path(struct obj *j, const struct nsp_report *r, const struct nsp_spill *sp,
		 struct nsp_sym *s)
{
	struct obj arr;

	key(j, "failed_attempts");
	arr = open_obj(j->o, "[");
	for (size_t i = 0; i < sp->nfailed; i++)
		failed_attempt(&arr, r, &sp->failed[i], s);
	nsp_out_str(j->o, "]");
	num(j, "failed_dropped", (int64_t)sp->failed_dropped);
	key(j, "history");
	arr = open_obj(j->o, "[");
	for (size_t i = 0; i < sp->npath; i++)
		path_step(&arr, r, &sp->path[i], s);
	nsp_out_str(j->o, "]");
	num(j, "history_dropped", (int64_t)sp->path_dropped);
}

static void spill(struct obj *arr, const struct nsp_report *r, const struct nsp_spill *sp,
		  struct nsp_sym *s)
{
	struct obj j, via;

	key(arr, NULL);
	j = open_obj(arr->o, "{");
	num(&j, "tid", sp->tid);
	str(&j, "comm", sp->comm);
	str(&j, "type", nsp_ns_names[sp->type]);
	/* A pid namespace unshared and not made yet has no inode. */
	num_or_null(&j, "inode", sp->ns.ino, sp->ns.dev != NAMSPILL_NS_PENDING);
	ns_name(&j, "name", r, sp->ns.dev != NAMSPILL_NS_PENDING ? sp->ns.ino : 0);
	num_or_null(&j, "majority_inode", r->verdict.majority[sp->type].ino, 1);
	ns_name(&j, "majority_name", r, r->verdict.majority[sp->type].ino);
	key(&j, "suppressed");
	nsp_out_str(j.o, sp->suppressed ? "true" : "false");
	cause(&j, sp->cause, s);
	if (sp->creation) {
		hop(&j, "creation", sp->creation, 0, s);
	} else {
		key(&j, "creation");
		nsp_out_str(j.o, "null");
	}
	key(&j, "inherited_via");
	via = open_obj(j.o, "[");
	for (size_t i = 0; i < sp->nhops; i++)
		hop(&via, NULL, &sp->hops[i], 1, s);
	nsp_out_str(j.o, "]");
	path(&j, r, sp, s);
	nsp_out_str(j.o, "}");
}

static void error(struct obj *j, const struct nsp_report *r)
{
	const char *name = r->proc_err ? strerrorname_np(-r->proc_err) : NULL;

	key(j, "error");
	if (!r->proc_err) {
		nsp_out_str(j->o, "null");
		return;
	}
	nsp_out_str(j->o, "\"cannot read /proc/");
	nsp_out_i64(j->o, r->pid);
	nsp_out_str(j->o, "/task: ");
	nsp_out_str(j->o, name ? name : "?");
	nsp_out_str(j->o, "\"");
}

void nsp_write_json(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s)
{
	char sig[NSP_SIGNAME_MAX];
	struct obj j = open_obj(o, "{"), maj, spills;

	str(&j, "tool", "namspill");
	str(&j, "version", NAMSPILL_VERSION);
	num(&j, "pid", r->pid);
	str(&j, "comm", r->comm);
	key(&j, "argv");
	nsp_out_json_strv(o, r->argv, r->argv_len);
	key(&j, "argv_truncated");
	nsp_out_str(o, r->argv_truncated ? "true" : "false");
	str(&j, "trigger", nsp_trigger_name(r->trigger));
	str(&j, "signal", r->signo > 0 ? nsp_sig_name(r->signo, sig) : NULL);
	num_or_null(&j, "threads", r->nthreads, 1);
	error(&j, r);
	key(&j, "majority");
	maj = open_obj(o, "{");
	for (int t = 0; t < NAMSPILL_NS_COUNT; t++)
		num_or_null(&maj, nsp_ns_names[t], r->verdict.majority[t].ino,
			    r->verdict.majority[t].ino != 0 &&
				    r->verdict.majority[t].dev != NAMSPILL_NS_PENDING);
	nsp_out_str(o, "}");
	key(&j, "ties");
	maj = open_obj(o, "{");
	for (int t = 0; t < NAMSPILL_NS_COUNT; t++)
		if (r->verdict.tie[t] != NSP_TIE_NONE)
			str(&maj, nsp_ns_names[t], nsp_tie_name(r->verdict.tie[t]));
	nsp_out_str(o, "}");
	num_or_null(&j, "suppressed", r->nsuppressed, 1);
	key(&j, "spills");
	spills = open_obj(o, "[");
	for (size_t i = 0; i < r->nspills; i++)
		spill(&spills, r, &r->spills[i], s);
	nsp_out_str(o, "]}\n");
}
