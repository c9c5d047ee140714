/* --junit FILE: JUnit XML for CI dashboards.  One test case per process,
 * named by its command line (stable from run to run, unlike its pid); a
 * spill is a failure whose text is the spill report, a process that could
 * not be judged is an error. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* XML 1.0 text: markup escaped, valid UTF-8 kept, and what XML cannot
 * carry (control characters, U+FFFE, U+FFFF, bytes that are not UTF-8)
 * replaced, so the file is always well-formed. */
static void xml(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

	while (p < end) {
		size_t n = nsp_utf8_len(p, (size_t)(end - p));
		switch (n ? *p : 0) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\n': case '\t': fputc(*p, f); break;
		default:
			if (n == 0 || (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe))
				fputs("\xef\xbf\xbd", f); /* U+FFFD */
			else if (*p < 0x20 || *p == 0x7f)
				fputc('?', f);
			else
				fwrite(p, 1, n, f);
		}
		p += n ? n : 1;
	}
}

/* The spills of one process as text, the failure's. */
static void proc_text(FILE *f, const struct proc *p)
{
	const struct jv *spills = json_get(p->rep, "spills");

	for (size_t i = 0; spills && spills->t == J_ARR && i < spills->n; i++) {
		const struct jv *s = &spills->v[i], *sup = json_get(s, "suppressed");
		const struct jv *cause = json_get(s, "cause");
		const char *type;
		char call[128];
		if (sup && sup->t == J_BOOL && sup->b)
			continue;
		type = json_str(s, "type") ? json_str(s, "type") : "?";
		fprintf(f, "thread %lld (%s) left in %s:[%lld], where most threads are in %s:[%lld]\n",
			json_int(s, "tid", 0), json_str(s, "comm") ? json_str(s, "comm") : "?", type,
			json_int(s, "inode", 0), type, json_int(s, "majority_inode", 0));
		if (cause && cause->t == J_OBJ) {
			cli_call(call, sizeof(call), cause);
			fprintf(f, "  by %s on thread %lld at:\n", call, json_int(cause, "tid", 0));
			cli_print_stack(f, json_get(cause, "stack"));
		} else {
			fputs("  no recorded setns/unshare explains it\n", f);
		}
		cli_print_path(f, s);
	}
}

static void testcase(FILE *f, const struct proc *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	fputs("    <testcase classname=\"namspill\" name=\"", f);
	xml(f, p->cmdline[0] ? p->cmdline : "(command line unknown)");
	fputs("\">\n", f);
	if (cli_why_unjudged(p)) {
		fputs("      <error message=\"no report: ", f);
		xml(f, cli_why_unjudged(p));
		fputs("\"/>\n", f);
	} else if (!p->rep) {
		; /* single-threaded to its end: nothing to judge */
	} else if (json_str(p->rep, "error")) {
		fputs("      <error message=\"", f);
		xml(f, json_str(p->rep, "error"));
		fputs("\"/>\n", f);
	} else if (p->spills) {
		m = open_memstream(&text, &len);
		proc_text(m, p);
		fclose(m);
		fprintf(f, "      <failure type=\"spill\" message=\"%zu thread%s left in a foreign "
			   "namespace\">", p->spills, p->spills == 1 ? "" : "s");
		xml(f, text);
		fputs("</failure>\n", f);
		free(text);
	}
	fprintf(f, "      <system-out>pid %d%s", (int)p->pid,
		p->suppressed ? ", spills suppressed" :
		p->counted ? ", judged by its count: one thread at its end" :
		p->ended ? ", judged by the watch: ended unseen (" :
		!p->rep && !cli_why_unjudged(p) ? ", single-threaded, ended without a report" : "");
	if (!p->suppressed && !p->counted && p->ended) {
		xml(f, p->ended);
		fputs("), no switch made", f);
	}
	fputs("</system-out>\n", f);
	fputs("    </testcase>\n", f);
}

static void command(FILE *f, const struct cli *c)
{
	for (size_t i = 0; c->cmd[i]; i++) {
		fputs(i ? " " : "", f);
		xml(f, c->cmd[i]);
	}
}

/* The command run as it is (c->unjudged): a skipped test case. */
static void unjudged(FILE *f, const struct cli *c)
{
	char why[256];

	cli_unjudged_why(c, why, sizeof(why));
	fputs("    <testcase classname=\"namspill\" name=\"", f);
	command(f, c);
	fputs("\">\n      <skipped message=\"", f);
	xml(f, why);
	fprintf(f, "\"/>\n      <system-out>pid %d</system-out>\n    </testcase>\n", (int)c->pid);
}

int cli_write_junit(struct cli_out *o, const struct cli *c, const struct procs *ps)
{
	FILE *f = cli_out_stream(o);
	size_t failures = ps->spilled_procs, errors = ps->no_report + ps->errors;
	size_t tests = ps->n + (c->unjudged != NULL);

	if (!f) {
		cli_out_drop(o);
		return -1;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites name=\"namspill\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
		tests, failures, errors);
	fputs("  <testsuite name=\"namspill: ", f);
	command(f, c);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%d\">\n", tests,
		failures, errors, c->unjudged != NULL);
	if (c->unjudged)
		unjudged(f, c);
	for (size_t i = 0; i < ps->n; i++)
		testcase(f, &ps->p[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	return cli_out_commit(o, f);
}
