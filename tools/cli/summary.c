/* The summary on stderr: spills of the whole tree grouped by the call
 * that caused them (the same stack in several threads and processes is
 * one bug), each group with its processes and then its stack once; then
 * processes that could not be judged; then one SUMMARY line. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SHOWN_NO_REPORT 10
/* Command lines go to CI logs, often public, and arguments can hold
 * tokens: the summary shows the program (argv[0]) and the first three
 * arguments, each argument cut at 40 bytes; --json and --keep-logs have
 * them whole. */
#define SHOWN_ARGS 4
#define SHOWN_ARG_BYTES 40
#define SHOWN_PROGRAM_BYTES 256


static void add_str(char **s, size_t *len, const char *a)
{
	size_t n = strlen(a);

	*s = realloc(*s, *len + n + 2);
	if (!*s)
		abort();
	memcpy(*s + *len, a, n);
	(*s)[*len + n] = '|';
	*len += n + 1;
	(*s)[*len] = 0;
}

/* Frames by name and place, not address: the same code in two processes
 * (or two runs of one program) has different addresses. */
static char *key_of(const struct jv *spill)
{
	const struct jv *cause = json_get(spill, "cause"), *st;
	const struct jv *creation = json_get(spill, "creation");
	char *k = NULL, num[32];
	size_t len = 0;

	if (cause && cause->t == J_OBJ) {
		char call[128];
		cli_call(call, sizeof(call), cause);
		add_str(&k, &len, call);
		st = json_get(cause, "stack");
	} else {
		add_str(&k, &len, "no cause");
		st = json_get(creation, "stack");
	}
	for (size_t i = 0; st && st->t == J_ARR && i < st->n; i++) {
		const struct jv *f = &st->v[i];
		const char *fn = json_str(f, "function"), *mod = json_str(f, "module");
		add_str(&k, &len, fn ? fn : "");
		add_str(&k, &len, json_str(f, "file") ? json_str(f, "file") : "");
		snprintf(num, sizeof(num), "%lld", json_int(f, "line", 0));
		add_str(&k, &len, num);
		add_str(&k, &len, mod && strrchr(mod, '/') ? strrchr(mod, '/') + 1 : mod ? mod : "");
		snprintf(num, sizeof(num), "%lld", fn ? 0 : json_int(f, "offset", 0));
		add_str(&k, &len, num);
	}
	return k;
}

static int type_index(const char *name)
{
	for (int t = 0; name && t < NAMSPILL_NS_COUNT; t++)
		if (!strcmp(nsp_ns_names[t], name))
			return t;
	return -1;
}

static void add_member(struct cli_group *g, const struct proc *p, const struct jv *spill)
{
	long long tid = json_int(spill, "tid", 0);
	const struct jv *cause = json_get(spill, "cause");
	int t = type_index(json_str(spill, "type"));

	if (t >= 0)
		g->types |= 1u << t;
	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].p == p && g->m[i].tid == tid)
			return; /* the same thread, another type */
	g->m = realloc(g->m, (g->n + 1) * sizeof(*g->m));
	if (!g->m)
		abort();
	g->m[g->n].p = p;
	g->m[g->n].tid = tid;
	g->m[g->n].inherited = cause && cause->t == J_OBJ && json_int(cause, "tid", tid) != tid;
	g->inherited += (size_t)g->m[g->n].inherited;
	g->procs += !g->n || g->m[g->n - 1].p != p;
	g->threads++;
	g->n++;
}

struct cli_group *cli_groups(const struct procs *ps, size_t *ng)
{
	struct cli_group *g = NULL;

	*ng = 0;
	for (size_t i = 0; i < ps->n; i++) {
		const struct jv *spills = json_get(ps->p[i].rep, "spills");
		for (size_t j = 0; spills && spills->t == J_ARR && j < spills->n; j++) {
			const struct jv *s = &spills->v[j], *sup = json_get(s, "suppressed");
			char *k;
			size_t at;
			if (sup && sup->t == J_BOOL && sup->b)
				continue;
			k = key_of(s);
			for (at = 0; at < *ng && strcmp(g[at].key, k); at++)
				;
			if (at == *ng) {
				g = realloc(g, (*ng + 1) * sizeof(*g));
				if (!g)
					abort();
				memset(&g[at], 0, sizeof(*g));
				g[at].key = k;
				g[at].spill = s;
				(*ng)++;
			} else {
				free(k);
			}
			add_member(&g[at], &ps->p[i], s);
		}
	}
	return g;
}

void cli_groups_free(struct cli_group *g, size_t ng)
{
	for (size_t i = 0; i < ng; i++) {
		free(g[i].key);
		free(g[i].m);
	}
	free(g);
}

void cli_types_str(char *buf, size_t cap, unsigned types)
{
	size_t len = 0;

	buf[0] = 0;
	for (int t = 0; t < NAMSPILL_NS_COUNT && len < cap; t++)
		if (types & (1u << t))
			len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
						nsp_ns_names[t]);
}

/* One argument for people: quoted where a shell would need it, cut
 * (never inside a UTF-8 character), control bytes escaped. */
static void show_arg(FILE *f, const char *a, size_t max)
{
	size_t n = strlen(a), k = n;
	int quote = !*a || a[strcspn(a, " \t\n'\"\\$`!*?[]{}();&|<>#~")];

	if (k > max) {
		k = max;
		while (k && ((unsigned char)a[k] & 0xc0) == 0x80)
			k--;
	}
	if (quote)
		fputc('\'', f);
	for (size_t i = 0, j; i < k; i = j + 1) {
		for (j = i; j < k && a[j] != '\''; j++)
			;
		cli_put_safe(f, a + i, j - i, 0);
		if (j < k)
			fputs("'\\''", f);
	}
	if (k < n)
		fputs("...", f);
	if (quote)
		fputc('\'', f);
}

static void show_argv(FILE *f, const char *const *argv, size_t n)
{
	for (size_t i = 0; i < n && i < SHOWN_ARGS; i++) {
		fputs(i ? " " : "", f);
		show_arg(f, argv[i], i ? SHOWN_ARG_BYTES : SHOWN_PROGRAM_BYTES);
	}
	if (!n)
		fputs("(command line unknown)", f);
	if (n > SHOWN_ARGS)
		fprintf(f, " (+%zu more argument%s: see --json)", n - SHOWN_ARGS,
			n - SHOWN_ARGS == 1 ? "" : "s");
}

static void print_cmdline(FILE *f, const struct proc *p)
{
	const struct jv *argv = p->argv && p->argv->t == J_ARR ? p->argv : NULL;
	size_t n = argv ? argv->n : 0;
	const char **v = cli_alloc((n + 1) * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = argv->v[i].t == J_STR ? argv->v[i].str : "";
	show_argv(f, v, n);
	fputc('\n', f);
	free(v);
}

static void print_members(FILE *f, const struct cli_group *g)
{
	for (size_t i = 0; i < g->n;) {
		const struct proc *p = g->m[i].p;
		long long own = json_int(p->rep, "pid", p->pid);
		size_t j = i;
		/* A process in a pid namespace of its own numbers its threads
		 * there, as its report does: said, next to namspill's pid. */
		if (p->pidns)
			fprintf(f, "    pid %d of pid:[%llu], thread%s", (int)p->pid,
				(unsigned long long)p->pidns, i + 1 < g->n && g->m[i + 1].p == p ? "s" : "");
		else if (own != p->pid)
			fprintf(f, "    pid %d (%lld in its pid namespace), thread%s", (int)p->pid, own,
				i + 1 < g->n && g->m[i + 1].p == p ? "s" : "");
		else
			fprintf(f, "    pid %d, thread%s", (int)p->pid,
				i + 1 < g->n && g->m[i + 1].p == p ? "s" : "");
		for (; j < g->n && g->m[j].p == p; j++)
			fprintf(f, " %lld", g->m[j].tid);
		if (own != p->pid)
			fputs(" (there)", f);
		if (json_str(p->rep, "signal"))
			fprintf(f, " (at %s)", json_str(p->rep, "signal"));
		fputs(": ", f);
		print_cmdline(f, p);
		i = j;
	}
}

/* "  in net:[X] (name); most of its process in net:[Y] (name)"; "its
 * process's home" instead where records, not the count, settled it. */
static void print_where(FILE *f, const struct cli_group *g)
{
	const struct jv *spill = g->spill;
	const char *type = json_str(spill, "type");
	size_t by_main = 0;

	if (!type)
		return;
	for (size_t i = 0; i < g->n; i++) {
		const char *rule = json_str(json_get(g->m[i].p->rep, "ties"), type);
		by_main += rule && !strcmp(rule, "main_unmoved");
	}
	fputs("  in ", f);
	cli_print_nsid(f, type, json_get(spill, "inode"), json_str(spill, "name"));
	fputs(by_main == g->n ? "; its process's home (its main thread's, never switched) in "
	      : by_main	      ? "; its process's home (most of it, or its main thread's) in "
			      : "; most of its process in ",
	      f);
	cli_print_nsid(f, type, json_get(spill, "majority_inode"), json_str(spill, "majority_name"));
	fputc('\n', f);
}

static void print_group(FILE *f, const struct cli_group *g)
{
	const struct jv *cause = json_get(g->spill, "cause");
	const struct jv *creation = json_get(g->spill, "creation");
	char types[128], who[512], call[128];

	cli_types_str(types, sizeof(types), g->types);
	fprintf(f, "namspill: %zu thread%s in %zu process%s left in %s", g->threads,
		g->threads == 1 ? "" : "s", g->procs, g->procs == 1 ? "" : "es", types);
	if (cause && cause->t == J_OBJ) {
		cli_culprit(who, sizeof(who), json_get(cause, "stack"));
		cli_call(call, sizeof(call), cause);
		fprintf(f, " by %s\n", who);
		print_members(f, g);
		print_where(f, g);
		if (g->inherited)
			fprintf(f, "  (%zu of them inherited it from the thread that created them)\n",
				g->inherited);
		fprintf(f, "  %s at:\n", call);
		cli_print_stack(f, json_get(cause, "stack"));
		cli_print_path(f, g->spill);
	} else {
		fputs(" with no recorded cause\n", f);
		print_members(f, g);
		print_where(f, g);
		fputs("  (moved by a raw system call, or before namspill was loaded, or the rest\n"
		      "  of its process moved away from it; `namspill --trace` sees raw calls)\n", f);
		if (creation && creation->t == J_OBJ) {
			fprintf(f, "  created by thread %lld at:\n", json_int(creation, "parent_tid", 0));
			cli_print_stack(f, json_get(creation, "stack"));
		}
		cli_print_path(f, g->spill);
	}
	fputc('\n', f);
}

static void print_unjudged(FILE *f, const struct procs *ps)
{
	size_t shown = 0;

	if (ps->no_report)
		fprintf(f, "namspill: warning: %zu process%s could not be judged:\n", ps->no_report,
			ps->no_report == 1 ? "" : "es");
	for (size_t i = 0; i < ps->n && shown < SHOWN_NO_REPORT; i++) {
		const struct proc *p = &ps->p[i];
		const char *why = cli_why_unjudged(p);
		if (!why)
			continue;
		fprintf(f, "    pid %d%s: ", (int)p->pid,
			p->forked ? " (forked, before any exec)" : "");
		print_cmdline(f, p);
		fprintf(f, "      %s\n", why);
		shown++;
	}
	if (ps->no_report > shown)
		fprintf(f, "    ... and %zu more (see --json)\n", ps->no_report - shown);
	for (size_t i = 0; i < ps->n; i++)
		if (json_str(ps->p[i].rep, "error"))
			fprintf(f, "namspill: warning: pid %d could not be judged: %s\n",
				(int)ps->p[i].pid, json_str(ps->p[i].rep, "error"));
}

void cli_unjudged_why(const struct cli *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "not judged: %s: LD_PRELOAD cannot reach it, and the tracer would "
		 "take its privileges away (namspill is not privileged; run it as root to judge "
		 "this command)", c->unjudged);
}

static size_t argc_of(const struct cli *c)
{
	size_t n = 0;

	while (c->cmd[n])
		n++;
	return n;
}

static void print_unjudged_command(FILE *f, const struct cli *c)
{
	char why[256];

	cli_unjudged_why(c, why, sizeof(why));
	fprintf(f, "namspill: warning: not judged: pid %d: ", (int)c->pid);
	show_argv(f, (const char *const *)c->cmd, argc_of(c));
	fprintf(f, " (%s)\n", why + strlen("not judged: "));
}

void cli_summary(FILE *f, const struct cli *c, const struct procs *ps)
{
	size_t ng, threads = 0,
		   checked = ps->n - ps->no_report - ps->single - ps->unmoved - ps->errors;
	struct cli_group *g = cli_groups(ps, &ng);
	unsigned types = 0;
	char t[128];

	for (size_t i = 0; i < ng; i++) {
		print_group(f, &g[i]);
		threads += g[i].threads;
		types |= g[i].types;
	}
	if (c->unjudged)
		print_unjudged_command(f, c);
	if (!c->quiet)
		print_unjudged(f, ps);
	if (!ps->n && !c->traced && !c->unjudged)
		cli_err("warning: no process ran with the shim: nothing was checked (a static "
			"program started from a script? try --trace)");
	else if (c->no_watch && !c->traced && !c->quiet)
		cli_err("note: %s: only processes that loaded the library are counted; "
			"static and Go programs, and those started without LD_PRELOAD (env -i), "
			"ran unseen", c->no_watch == CLI_NO_WATCH_PROC ?
			"not watched (/proc does not show this pid namespace)" : "--no-watch");
	cli_types_str(t, sizeof(t), types);
	if (ng) {
		fprintf(f, "SUMMARY: namspill: %zu thread%s in %zu of %zu process%s left in a "
			   "foreign namespace (%s)",
			threads, threads == 1 ? "" : "s", ps->spilled_procs, checked,
			checked == 1 ? "" : "es", t);
		if (ps->suppressed)
			fprintf(f, "; %zu suppressed", ps->suppressed);
		fputc('\n', f);
	} else if (c->unjudged && !ps->n) {
		/* Never a silent pass: the run fails (main.c, verdict). */
		fputs("namspill: error: nothing was judged: the command ran as it is (see the "
		      "warning above)\n", f);
	} else if (ps->n && ps->no_report + ps->errors == ps->n) {
		/* Never a silent pass: the run fails (main.c, verdict). */
		fprintf(f, "namspill: error: nothing was judged: none of the %zu process%s that ran "
			   "could be (%s)\n", ps->n, ps->n == 1 ? "" : "es",
			c->quiet ? "without -q, each is listed with the reason" : "see above");
	} else if (!c->quiet) {
		fputs("namspill: no thread left in a foreign namespace (", f);
		if (checked || !(ps->single + ps->unmoved))
			fprintf(f, "%zu process%s checked%s", checked, checked == 1 ? "" : "es",
				ps->single + ps->unmoved ? ", " : "");
		if (ps->single)
			fprintf(f, "%zu%s single-threaded to the end%s", ps->single,
				checked ? "" : ps->single == 1 ? " process" : " processes",
				ps->unmoved ? ", " : "");
		if (ps->unmoved)
			fprintf(f, "%zu%s ended unseen, having made no switch", ps->unmoved,
				checked || ps->single ? "" :
				ps->unmoved == 1 ? " process" : " processes");
		if (ps->suppressed)
			fprintf(f, "; %zu suppressed", ps->suppressed);
		if (ps->no_report + ps->errors)
			fprintf(f, "; %zu not judged", ps->no_report + ps->errors);
		fputs(")\n", f);
	}
	cli_groups_free(g, ng);
}
