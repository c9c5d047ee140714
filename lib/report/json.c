/* The JSON report: one object per process, documented in README. */
#include <string.h>

#include "base/nstype.h"
#include "base/out.h"
#include "base/signame.h"
#include "report/report.h"
#include "report/sym.h"

static void key(struct nsp_out *o, const char *k)
{
	nsp_out_json_str(o, k);
	nsp_out_str(o, ":");
}

static void num_or_null(struct nsp_out *o, uint64_t v, int have)
{
	if (have)
		nsp_out_u64(o, v);
	else
		nsp_out_str(o, "null");
}

static void frame(struct nsp_out *o, const struct nsp_frame *f)
{
	nsp_out_str(o, "{");
	key(o, "ip");
	nsp_out_u64(o, f->ip);
	nsp_out_str(o, ",");
	key(o, "function");
	nsp_out_json_str(o, f->function);
	nsp_out_str(o, ",");
	key(o, "module");
	nsp_out_json_str(o, f->module);
	nsp_out_str(o, ",");
	key(o, "offset");
	num_or_null(o, f->offset, f->module != NULL);
	nsp_out_str(o, ",");
	key(o, "file");
	nsp_out_json_str(o, f->file);
	nsp_out_str(o, ",");
	key(o, "line");
	num_or_null(o, (uint64_t)f->line, f->line > 0);
	if (f->inlined)
		nsp_out_str(o, ",\"inlined\":true");
	nsp_out_str(o, "}");
}

static void stack(struct nsp_out *o, const struct nsp_stack *st, struct nsp_sym *s)
{
	nsp_out_str(o, "[");
	for (uint32_t i = 0; i < st->depth; i++) {
		struct nsp_frame f[NSP_MAX_INLINE];
		int n = nsp_sym_frames(s, st->ip[i], f, NSP_MAX_INLINE);
		for (int k = 0; k < n; k++) {
			if (i || k)
				nsp_out_str(o, ",");
			frame(o, &f[k]);
		}
	}
	nsp_out_str(o, "]");
}

static const char *call_name(int call)
{
	return call == NSP_CALL_SETNS ? "setns" : call == NSP_CALL_UNSHARE ? "unshare" : "?";
}

static void cause(struct nsp_out *o, const struct nsp_cause *c, struct nsp_sym *s)
{
	int first = 1;

	if (!c) {
		nsp_out_str(o, "null");
		return;
	}
	nsp_out_str(o, "{");
	key(o, "call");
	nsp_out_json_str(o, call_name(c->call));
	nsp_out_str(o, ",");
	key(o, "flags");
	nsp_out_str(o, "[");
	for (int k = 0; k < NSP_NKINDS; k++) {
		if (!(c->kinds & (1u << k)))
			continue;
		if (!first)
			nsp_out_str(o, ",");
		nsp_out_json_str(o, nsp_flag_name(k));
		first = 0;
	}
	nsp_out_str(o, "],");
	key(o, "tid");
	nsp_out_i64(o, c->tid);
	nsp_out_str(o, ",");
	key(o, "seq");
	nsp_out_u64(o, c->seq);
	nsp_out_str(o, ",");
	key(o, "stack");
	stack(o, &c->stack, s);
	nsp_out_str(o, "}");
}

static void spill(struct nsp_out *o, const struct nsp_report *r,
		  const struct nsp_spill *sp, struct nsp_sym *s)
{
	nsp_out_str(o, "{");
	key(o, "tid");
	nsp_out_i64(o, sp->tid);
	nsp_out_str(o, ",");
	key(o, "comm");
	nsp_out_json_str(o, sp->comm);
	nsp_out_str(o, ",");
	key(o, "type");
	nsp_out_json_str(o, nsp_ns_names[sp->type]);
	nsp_out_str(o, ",");
	key(o, "inode");
	nsp_out_u64(o, sp->ns.ino);
	nsp_out_str(o, ",");
	key(o, "majority_inode");
	nsp_out_u64(o, r->verdict.majority[sp->type].ino);
	nsp_out_str(o, sp->suppressed ? ",\"suppressed\":true," : ",\"suppressed\":false,");
	key(o, "cause");
	cause(o, sp->cause, s);
	nsp_out_str(o, ",");
	key(o, "creation");
	if (sp->creation) {
		nsp_out_str(o, "{");
		key(o, "parent_tid");
		nsp_out_i64(o, sp->creation->parent_tid);
		nsp_out_str(o, ",");
		key(o, "stack");
		stack(o, &sp->creation->stack, s);
		nsp_out_str(o, "}");
	} else {
		nsp_out_str(o, "null");
	}
	nsp_out_str(o, ",");
	key(o, "inherited_via");
	nsp_out_str(o, "[");
	for (size_t i = 0; i < sp->nhops; i++) {
		const struct nsp_hop *h = &sp->hops[i];
		nsp_out_str(o, i ? ",{" : "{");
		key(o, "tid");
		nsp_out_i64(o, h->tid);
		nsp_out_str(o, ",");
		key(o, "parent_tid");
		nsp_out_i64(o, h->parent_tid);
		nsp_out_str(o, ",");
		key(o, "stack");
		stack(o, &h->stack, s);
		nsp_out_str(o, "}");
	}
	nsp_out_str(o, "]}");
}

void nsp_write_json(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s)
{
	char sig[NSP_SIGNAME_MAX];

	nsp_out_str(o, "{\"tool\":\"namspill\",\"version\":\"" NAMSPILL_VERSION "\",");
	key(o, "pid");
	nsp_out_i64(o, r->pid);
	nsp_out_str(o, ",");
	key(o, "comm");
	nsp_out_json_str(o, r->comm);
	nsp_out_str(o, ",");
	key(o, "argv");
	nsp_out_json_strv(o, r->argv, r->argv_len);
	nsp_out_str(o, ",");
	key(o, "trigger");
	nsp_out_json_str(o, nsp_trigger_name(r->trigger));
	nsp_out_str(o, ",");
	key(o, "signal");
	nsp_out_json_str(o, r->signo > 0 ? nsp_sig_name(r->signo, sig) : NULL);
	nsp_out_str(o, ",");
	key(o, "threads");
	nsp_out_u64(o, r->nthreads);
	nsp_out_str(o, ",");
	key(o, "error");
	if (r->proc_err) {
		nsp_out_str(o, "\"cannot read /proc/");
		nsp_out_i64(o, r->pid);
		nsp_out_str(o, "/task: ");
		nsp_out_str(o, strerrorname_np(-r->proc_err) ? strerrorname_np(-r->proc_err) : "?");
		nsp_out_str(o, "\"");
	} else {
		nsp_out_str(o, "null");
	}
	nsp_out_str(o, ",");
	key(o, "majority");
	nsp_out_str(o, "{");
	for (int t = 0; t < NAMSPILL_NS_COUNT; t++) {
		if (t)
			nsp_out_str(o, ",");
		key(o, nsp_ns_names[t]);
		num_or_null(o, r->verdict.majority[t].ino, r->verdict.majority[t].ino != 0);
	}
	nsp_out_str(o, "},");
	key(o, "suppressed");
	nsp_out_u64(o, r->nsuppressed);
	nsp_out_str(o, ",");
	key(o, "spills");
	nsp_out_str(o, "[");
	for (size_t i = 0; i < r->nspills; i++) {
		if (i)
			nsp_out_str(o, ",");
		spill(o, r, &r->spills[i], s);
	}
	nsp_out_str(o, "]}\n");
}
