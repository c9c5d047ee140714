/* The text report's lines about how a spilled thread got where it is: the
 * calls of it that failed ("tried to go back by ..."), and its path in the
 * spilled type, one line per switch; namespaces with the names people
 * know them by. */
#include <string.h>

#include "base/fmt.h"
#include "base/nstype.h"
#include "base/out.h"
#include "report/report.h"
#include "report/sym.h"

/* "net:[4026532177] (ip netns sandbox)"; ino 0: "net:[?]". */
void nsp_text_nsid(struct nsp_out *o, const struct nsp_nsnames *names, int type, uint64_t ino)
{
	const struct nsp_nsname *n = nsp_nsname_of(names, ino);

	nsp_out_str(o, nsp_ns_names[type]);
	nsp_out_str(o, ":[");
	if (ino)
		nsp_out_u64(o, ino);
	else
		nsp_out_str(o, "?");
	nsp_out_str(o, "]");
	if (!n)
		return;
	nsp_out_str(o, n->kind == NSP_NAME_NETNS ? " (" :
		       n->kind == NSP_NAME_MOUNT ? " (mounted at " : " (that of ");
	nsp_out_text(o, n->kind == NSP_NAME_MOUNT ? n->text + 6 : n->text);
	nsp_out_str(o, ")");
}

static void call(struct nsp_out *o, const struct nsp_step *st)
{
	int first = 1;

	nsp_out_str(o, st->call == NSP_CALL_SETNS ? "setns(" : "unshare(");
	for (int k = 0; k < NSP_NKINDS; k++) {
		if (!(st->kinds & (1u << k)))
			continue;
		nsp_out_str(o, first ? "" : "|");
		nsp_out_str(o, nsp_flag_name(k));
		first = 0;
	}
	nsp_out_str(o, first ? "0)" : ")");
}

/* " at restore_home x.c:41": the innermost frame of the call site. */
static void site(struct nsp_out *o, const struct nsp_stack *st, struct nsp_sym *s)
{
	struct nsp_frame f;

	if (!st->depth) {
		nsp_out_str(o, " (no stack recorded)");
		return;
	}
	nsp_sym_frame(s, st->ip[0], &f);
	nsp_out_str(o, " at");
	if (f.function) {
		nsp_out_str(o, " ");
		nsp_out_text(o, f.function);
	}
	if (f.file) {
		nsp_out_str(o, " ");
		nsp_out_text(o, f.file);
		if (f.line > 0) {
			nsp_out_str(o, ":");
			nsp_out_i64(o, f.line);
		}
	} else if (f.module) {
		nsp_out_str(o, " (");
		nsp_out_text(o, nsp_base_name(f.module));
		nsp_out_str(o, "+");
		nsp_out_hex(o, f.offset);
		nsp_out_str(o, ")");
	} else if (!f.function) {
		nsp_out_str(o, " ");
		nsp_out_hex(o, f.ip);
	}
}

/* Whether a failed call was about this spill's kind (or could have been). */
static int concerns(const struct nsp_step *f, int kind)
{
	int k = f->target_type >= 0 ? nsp_kind_of_type(f->target_type) : -1;

	return (f->kinds & (1u << kind)) || k == kind || (!f->kinds && k < 0);
}

void nsp_text_failed(struct nsp_out *o, const struct nsp_report *r, const struct nsp_spill *sp,
		     struct nsp_sym *s)
{
	int kind = nsp_kind_of_type(sp->type);

	for (size_t i = 0; i < sp->nfailed; i++) {
		const struct nsp_step *f = &sp->failed[i];
		int back = concerns(f, kind) && (!sp->cause || f->seq > sp->cause->seq);
		nsp_out_str(o, back ? "  tried to go back by " : "  also failed: ");
		call(o, f);
		site(o, &f->stack, s);
		if (f->err == NSP_ERR_UNSEEN) {
			nsp_out_str(o, " \xe2\x80\x94 probably failed: the thread never got there");
		} else {
			const char *name = strerrorname_np(f->err), *desc = strerrordesc_np(f->err);
			nsp_out_str(o, " \xe2\x80\x94 ");
			if (name)
				nsp_out_str(o, name);
			else
				nsp_out_i64(o, f->err);
			if (desc) {
				nsp_out_str(o, " (");
				nsp_out_str(o, desc);
				nsp_out_str(o, ")");
			}
		}
		if (f->target_type >= 0 && f->target) {
			nsp_out_str(o, "; its fd is ");
			nsp_text_nsid(o, r->names, f->target_type, f->target);
		}
		nsp_out_str(o, "\n");
	}
	if (sp->failed_dropped) {
		nsp_out_str(o, "  (and ");
		nsp_out_u64(o, sp->failed_dropped);
		nsp_out_str(o, sp->failed_dropped == 1 ? " earlier failed call)\n" :
			       " earlier failed calls)\n");
	}
}

/* One line per switch:
 *     net:[A]
 *     → net:[B] by setns at f.c:12 */
void nsp_text_path(struct nsp_out *o, const struct nsp_report *r, const struct nsp_spill *sp,
		   struct nsp_sym *s)
{
	if (!sp->npath)
		return;
	nsp_out_str(o, "  its path in ");
	nsp_out_str(o, nsp_ns_names[sp->type]);
	if (sp->path_dropped) {
		nsp_out_str(o, " (the last ");
		nsp_out_u64(o, sp->npath);
		nsp_out_str(o, " switches; ");
		nsp_out_u64(o, sp->path_dropped);
		nsp_out_str(o, " before them not kept)");
	}
	nsp_out_str(o, ":\n    ");
	nsp_text_nsid(o, r->names, sp->type, sp->path[0].from);
	nsp_out_str(o, "\n");
	for (size_t i = 0; i < sp->npath; i++) {
		const struct nsp_step *st = &sp->path[i];
		nsp_out_str(o, "    \xe2\x86\x92 ");
		nsp_text_nsid(o, r->names, sp->type, st->to);
		nsp_out_str(o, st->call == NSP_CALL_SETNS ? " by setns" : " by unshare");
		site(o, &st->stack, s);
		if (st->tid != sp->tid) {
			nsp_out_str(o, " on thread ");
			nsp_out_i64(o, st->tid);
		}
		nsp_out_str(o, "\n");
	}
}

