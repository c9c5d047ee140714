/* The summary's lines about how a spilled thread got there, from its
 * report: the calls of it that failed and its path in the spilled type,
 * as the library's text report says them. */
#include <string.h>

#include "cli.h"

/* "net:[4026532177] (ip netns sandbox)" from a number and a name as the
 * report has it ("ip netns NAME", "mount PATH", "pid N (COMM)"). */
void cli_print_nsid(FILE *f, const char *type, const struct jv *ino, const char *name)
{
	fprintf(f, "%s:[", type);
	if (ino && ino->t == J_NUM)
		fprintf(f, "%.0f", ino->num);
	else
		fputc('?', f);
	fputc(']', f);
	if (!name)
		return;
	if (!strncmp(name, "mount ", 6)) {
		fputs(" (mounted at ", f);
		name += 6;
	} else {
		fputs(!strncmp(name, "pid ", 4) ? " (that of " : " (", f);
	}
	cli_put_safe(f, name, strlen(name), 0);
	fputc(')', f);
}

static void failed(FILE *f, const struct jv *a, int back)
{
	char who[512], call[128];
	const char *err = json_str(a, "error"), *desc = json_str(a, "description");
	const struct jv *target = json_get(a, "target");

	cli_culprit(who, sizeof(who), json_get(a, "stack"));
	cli_call(call, sizeof(call), a);
	fprintf(f, "  %s %s at %s \xe2\x80\x94 ", back ? "tried to go back by" : "also failed:",
		call, who);
	if (!err && json_get(a, "probably") && json_get(a, "probably")->b)
		fputs("probably failed: the thread never got there", f);
	else
		fprintf(f, "%s (%s)", err ? err : "?", desc ? desc : "?");
	if (target && target->t == J_OBJ) {
		fputs("; its fd is ", f);
		cli_print_nsid(f, json_str(target, "type") ? json_str(target, "type") : "?",
			       json_get(target, "inode"), json_str(target, "name"));
	}
	fputc('\n', f);
}

static int kind_of(const char *type)
{
	for (int t = 0; type && t < NAMSPILL_NS_COUNT; t++)
		if (!strcmp(nsp_ns_names[t], type))
			return nsp_kind_of_type(t);
	return -1;
}

/* Whether a failed call was about kind (or could have been): its flags
 * or its fd's namespace are of that kind, or neither is known. */
static int concerns(const struct jv *a, int kind)
{
	const struct jv *flags = json_get(a, "flags"), *target = json_get(a, "target");
	int tk = target && target->t == J_OBJ ? kind_of(json_str(target, "type")) : -1;

	for (size_t i = 0; flags && flags->t == J_ARR && i < flags->n; i++)
		if (flags->v[i].t == J_STR && kind >= 0 &&
		    !strcmp(flags->v[i].str, nsp_flag_name(kind)))
			return 1;
	return tk == kind || (tk < 0 && (!flags || flags->t != J_ARR || !flags->n));
}

void cli_print_path(FILE *f, const struct jv *spill)
{
	const struct jv *fa = json_get(spill, "failed_attempts"), *h = json_get(spill, "history");
	const struct jv *cause = json_get(spill, "cause");
	long long cause_seq = cause && cause->t == J_OBJ ? json_int(cause, "seq", 0) : 0;
	const char *type = json_str(spill, "type") ? json_str(spill, "type") : "?";
	long long dropped = json_int(spill, "history_dropped", 0);

	for (size_t i = 0; fa && fa->t == J_ARR && i < fa->n; i++)
		failed(f, &fa->v[i], concerns(&fa->v[i], kind_of(type)) &&
					     json_int(&fa->v[i], "seq", 0) > cause_seq);
	if (!h || h->t != J_ARR || !h->n)
		return;
	fprintf(f, "  path of thread %lld in %s", json_int(spill, "tid", 0), type);
	if (dropped)
		fprintf(f, " (the last %zu switches; %lld before them not kept)", h->n, dropped);
	fputs(":\n    ", f);
	cli_print_nsid(f, type, json_get(&h->v[0], "from"), json_str(&h->v[0], "from_name"));
	fputc('\n', f);
	for (size_t i = 0; i < h->n; i++) {
		char who[512];
		cli_culprit(who, sizeof(who), json_get(&h->v[i], "stack"));
		fputs("    \xe2\x86\x92 ", f);
		cli_print_nsid(f, type, json_get(&h->v[i], "inode"), json_str(&h->v[i], "name"));
		fprintf(f, " by %s at %s\n", json_str(&h->v[i], "call") ? json_str(&h->v[i], "call") :
									  "?", who);
	}
}
