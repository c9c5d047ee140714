/* --json FILE: every process of the tree in one document.  A report is
 * copied as its process wrote it; a process that wrote none gets an entry
 * of the same shape with "error" saying so. */
#include <errno.h>
#include <string.h>

#include "cli.h"

static void put_argv(FILE *f, const struct jv *argv)
{
	fputc('[', f);
	for (size_t i = 0; argv && argv->t == J_ARR && i < argv->n; i++) {
		if (i)
			fputc(',', f);
		json_put_str(f, argv->v[i].t == J_STR ? argv->v[i].str : "");
	}
	fputc(']', f);
}

/* An entry of the report's shape; "error" is null for a process that
 * never started a thread: none of its threads can have been spilled. */
static void no_report(FILE *f, const struct proc *p)
{
	const char *why = cli_why_unjudged(p);

	fprintf(f, "{\"tool\":\"namspill\",\"version\":\"%s\",\"pid\":%d,\"comm\":null,\"argv\":",
		NAMSPILL_VERSION, (int)p->pid);
	put_argv(f, p->argv);
	fputs(",\"trigger\":null,\"signal\":null,\"threads\":null,\"error\":", f);
	if (why) {
		char text[512];
		snprintf(text, sizeof(text), "no report: %s", why);
		json_put_str(f, text);
	} else if (p->counted) {
		fputs("null,\"note\":\"judged by its count: one thread at its end, its own "
		      "majority\"", f);
	} else if (p->ended) {
		char text[512];
		snprintf(text, sizeof(text), "judged by the watch: it ended unseen (%s), and no "
			 "thread of it switched namespaces since its exec or fork (clone3 "
			 "aside), so all were where that put them", p->ended);
		fputs("null,\"note\":", f);
		json_put_str(f, text);
	} else {
		fputs("null,\"note\":\"no report: ended without starting a thread (by _exit(), "
		      "as shells do, or by exec of a program the preload cannot reach)\"", f);
	}
	fputs(",\"majority\":null,\"suppressed\":0,\"spills\":[]}", f);
}

/* The command run as it is, unjudged (a setuid program we could only
 * have traced without its privileges). */
static void unjudged(FILE *f, const struct cli *c)
{
	char why[256];

	cli_unjudged_why(c, why, sizeof(why));
	fprintf(f, "\n{\"tool\":\"namspill\",\"version\":\"%s\",\"pid\":%d,\"comm\":null,\"argv\":[",
		NAMSPILL_VERSION, (int)c->pid);
	for (size_t i = 0; c->cmd[i]; i++) {
		if (i)
			fputc(',', f);
		json_put_str(f, c->cmd[i]);
	}
	fputs("],\"trigger\":null,\"signal\":null,\"threads\":null,\"error\":", f);
	json_put_str(f, why);
	fputs(",\"majority\":null,\"suppressed\":0,\"spills\":[]}", f);
}

int cli_write_json(struct cli_out *o, const struct cli *c, const struct procs *ps)
{
	FILE *f = cli_out_stream(o);

	if (!f) {
		cli_out_drop(o);
		return -1;
	}
	fputs("{\"command\":[", f);
	for (size_t i = 0; c->cmd[i]; i++) {
		if (i)
			fputc(',', f);
		json_put_str(f, c->cmd[i]);
	}
	fprintf(f, "],\"status\":%d,\"mode\":\"%s\",\"processes\":[", c->exit,
		c->traced ? "trace" : c->key ? "watch" : "preload");
	if (c->unjudged)
		unjudged(f, c);
	for (size_t i = 0; i < ps->n; i++) {
		const struct proc *p = &ps->p[i];
		size_t len;
		fputs(i || c->unjudged ? ",\n" : "\n", f);
		if (!p->raw) {
			no_report(f, p);
			continue;
		}
		len = strlen(p->raw);
		while (len && (p->raw[len - 1] == '\n' || p->raw[len - 1] == ' '))
			len--;
		fwrite(p->raw, 1, len, f);
	}
	fputs("]}\n", f);
	return cli_out_commit(o, f);
}
