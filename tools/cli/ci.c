/* CI annotations: a spill shown on the line of the pull request's diff
 * that caused it.  On GitHub Actions (GITHUB_ACTIONS=true, or --annotate
 * github) namspill prints one workflow command per spill group on stdout,
 *     ::error file=F,line=N,title=namspill::MESSAGE
 * at the first frame of the cause whose file is in the checkout
 * (GITHUB_WORKSPACE, else the current directory), named relative to it.
 * The same places go into --sarif (sarif.c). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fmt.h"
#include "cli.h"

#define SHOWN_PROCS 3

const char *cli_checkout_root(void)
{
	static char root[PATH_MAX];
	const char *ws = getenv("GITHUB_WORKSPACE");

	if (!root[0] && !((ws && *ws && realpath(ws, root)) || getcwd(root, sizeof(root))))
		strcpy(root, "/");
	return root;
}

/* file as a path relative to root, if it names a regular file there: an
 * absolute path under root, or a relative one (as DWARF often has it,
 * from the directory the compiler ran in) found from root. */
int cli_checkout_path(const char *root, const char *file, char *out, size_t cap)
{
	char full[PATH_MAX], real[PATH_MAX];
	size_t rl = strlen(root);
	struct stat st;

	if (!file || !*file)
		return -1;
	if (file[0] == '/')
		snprintf(full, sizeof(full), "%s", file);
	else
		snprintf(full, sizeof(full), "%s/%s", root, file);
	if (!realpath(full, real) || stat(real, &st) || !S_ISREG(st.st_mode))
		return -1;
	if (strcmp(root, "/") && (strncmp(real, root, rl) || real[rl] != '/'))
		return -1;
	snprintf(out, cap, "%s", strcmp(root, "/") ? real + rl + 1 : real + 1);
	return 0;
}

const struct jv *cli_group_stack(const struct cli_group *g)
{
	const struct jv *cause = json_get(g->spill, "cause");

	return cause && cause->t == J_OBJ ? json_get(cause, "stack") :
	       json_get(json_get(g->spill, "creation"), "stack");
}

/* The first frame of the group's stack with a file in the checkout:
 * its path there in out, its frame; NULL if none. */
const struct jv *cli_group_place(const struct cli_group *g, char *out, size_t cap)
{
	const struct jv *st = cli_group_stack(g);
	const char *root = cli_checkout_root();

	for (size_t i = 0; st && st->t == J_ARR && i < st->n; i++)
		if (json_int(&st->v[i], "line", 0) > 0 &&
		    !cli_checkout_path(root, json_str(&st->v[i], "file"), out, cap))
			return &st->v[i];
	return NULL;
}

/* What a group says, for an annotation or a SARIF result: the summary's
 * first line, its processes, its failed calls and path.  Malloc'd. */
char *cli_group_message(const struct cli_group *g, int type)
{
	const struct jv *cause = json_get(g->spill, "cause");
	char types[128], who[512], call[128], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return cli_strdup("namspill: threads left in a foreign namespace");
	if (type >= 0)
		snprintf(types, sizeof(types), "%s", nsp_ns_names[type]);
	else
		cli_types_str(types, sizeof(types), g->types);
	fprintf(f, "%zu thread%s in %zu process%s left in a foreign %s namespace", g->threads,
		g->threads == 1 ? "" : "s", g->procs, g->procs == 1 ? "" : "es", types);
	if (cause && cause->t == J_OBJ) {
		cli_culprit(who, sizeof(who), json_get(cause, "stack"));
		cli_call(call, sizeof(call), cause);
		fprintf(f, " by %s in %s", call, who);
	} else {
		fputs(" with no recorded cause (moved by a raw system call, or before namspill "
		      "was loaded)", f);
	}
	fputs(" (", f);
	for (size_t i = 0, shown = 0; i < g->n && shown < SHOWN_PROCS; i++) {
		const struct proc *p = g->m[i].p;
		if (i && p == g->m[i - 1].p)
			continue;
		fprintf(f, "%spid %d", shown++ ? ", " : "", (int)p->pid);
		if (p->argv && p->argv->t == J_ARR && p->argv->n && p->argv->v[0].t == J_STR)
			fprintf(f, " %s", nsp_base_name(p->argv->v[0].str));
	}
	fprintf(f, "%s)\n", g->procs > SHOWN_PROCS ? ", ..." : "");
	cli_print_path(f, g->spill);
	fclose(f);
	while (len && text[len - 1] == '\n')
		text[--len] = 0;
	return text;
}

/* A workflow command's value: %, CR and LF escaped; in a property also
 * ':' and ','. */
static void escaped(FILE *f, const char *s, int property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", f);
		else if (*s == '\r')
			fputs("%0D", f);
		else if (*s == '\n')
			fputs("%0A", f);
		else if (property && *s == ':')
			fputs("%3A", f);
		else if (property && *s == ',')
			fputs("%2C", f);
		else
			fputc(*s, f);
	}
}

void cli_annotate_github(FILE *f, const struct procs *ps)
{
	size_t ng;
	struct cli_group *g = cli_groups(ps, &ng);

	for (size_t i = 0; i < ng; i++) {
		char path[PATH_MAX], *msg = cli_group_message(&g[i], -1);
		const struct jv *fr = cli_group_place(&g[i], path, sizeof(path));
		fputs("::error ", f);
		if (fr) {
			fputs("file=", f);
			escaped(f, path, 1);
			fprintf(f, ",line=%lld,", json_int(fr, "line", 0));
		}
		fputs("title=namspill::", f);
		escaped(f, msg, 0);
		fputc('\n', f);
		free(msg);
	}
	cli_groups_free(g, ng);
	fflush(f);
}
