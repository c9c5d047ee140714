/* Stacks and causes of the JSON reports, printed for people the way the
 * shim's text report prints them. */
#include <string.h>

#include "cli.h"

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p;
}

static unsigned long long num(const struct jv *o, const char *key)
{
	const struct jv *v = json_get(o, key);

	return v && v->t == J_NUM && v->num > 0 ? (unsigned long long)v->num : 0;
}

void cli_print_stack(FILE *f, const struct jv *stack, const char *indent)
{
	if (!stack || stack->t != J_ARR || !stack->n) {
		fprintf(f, "%s(no stack recorded)\n", indent);
		return;
	}
	for (size_t i = 0; i < stack->n; i++) {
		const struct jv *fr = &stack->v[i];
		const char *fn = json_str(fr, "function"), *file = json_str(fr, "file");
		const char *mod = json_str(fr, "module");
		long long line = json_int(fr, "line", 0);
		const struct jv *inl = json_get(fr, "inlined");

		fprintf(f, "%s#%zu 0x%llx", indent, i, num(fr, "ip"));
		if (fn)
			fprintf(f, " in %s", fn);
		if (file)
			fprintf(f, line > 0 ? " %s:%lld" : " %s", file, line);
		if (mod)
			fprintf(f, " (%s+0x%llx)", base_name(mod), num(fr, "offset"));
		if (inl && inl->t == J_BOOL && inl->b)
			fputs(" [inlined]", f);
		fputc('\n', f);
	}
}

void cli_culprit(char *buf, size_t cap, const struct jv *stack)
{
	const struct jv *fr = stack && stack->t == J_ARR && stack->n ? &stack->v[0] : NULL;
	const char *fn = json_str(fr, "function"), *file = json_str(fr, "file");
	const char *mod = json_str(fr, "module");
	long long line = json_int(fr, "line", 0);

	if (!fr)
		snprintf(buf, cap, "an unknown caller");
	else if (fn && file && line > 0)
		snprintf(buf, cap, "%s (%s:%lld)", fn, base_name(file), line);
	else if (fn)
		snprintf(buf, cap, "%s (%s)", fn, mod ? base_name(mod) : "?");
	else
		snprintf(buf, cap, "%s+0x%llx", mod ? base_name(mod) : "?", num(fr, "offset"));
}

void cli_call(char *buf, size_t cap, const struct jv *cause)
{
	const struct jv *flags = json_get(cause, "flags");
	const char *call = json_str(cause, "call");
	size_t len = (size_t)snprintf(buf, cap, "%s(", call ? call : "?");

	for (size_t i = 0; flags && flags->t == J_ARR && i < flags->n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? "|" : "",
					flags->v[i].t == J_STR ? flags->v[i].str : "?");
	if (len < cap)
		snprintf(buf + len, cap - len, ")");
}
