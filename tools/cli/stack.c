/* Stacks and causes of the JSON reports, for people: each frame back in
 * the library's frame type and written by the library's own text writer,
 * so the summary prints a stack exactly as the report would. */
#include <string.h>

#include "base/fmt.h"
#include "report/sym.h"
#include "cli.h"

static unsigned long long num(const struct jv *o, const char *key)
{
	const struct jv *v = json_get(o, key);

	return v && v->t == J_NUM && v->num > 0 ? (unsigned long long)v->num : 0;
}

void cli_to_file(void *f, const char *s, size_t n)
{
	fwrite(s, 1, n, f);
}

void cli_print_stack(FILE *f, const struct jv *stack)
{
	struct nsp_out o;

	nsp_out_init_sink(&o, cli_to_file, f);
	if (!stack || stack->t != J_ARR || !stack->n)
		nsp_text_no_stack(&o);
	for (size_t i = 0; stack && stack->t == J_ARR && i < stack->n; i++) {
		const struct jv *fr = &stack->v[i], *inl = json_get(fr, "inlined");
		struct nsp_frame x = {
			.ip = (uintptr_t)num(fr, "ip"),
			.function = json_str(fr, "function"),
			.module = json_str(fr, "module"),
			.file = json_str(fr, "file"),
			.offset = (uintptr_t)num(fr, "offset"),
			.line = (int)json_int(fr, "line", 0),
			.inlined = inl && inl->t == J_BOOL && inl->b,
		};
		nsp_text_frame(&o, i, &x);
	}
	nsp_out_flush(&o);
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
		snprintf(buf, cap, "%s (%s:%lld)", fn, nsp_base_name(file), line);
	else if (fn)
		snprintf(buf, cap, "%s (%s)", fn, mod ? nsp_base_name(mod) : "?");
	else
		snprintf(buf, cap, "%s+0x%llx", mod ? nsp_base_name(mod) : "?", num(fr, "offset"));
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
