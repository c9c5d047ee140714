/* --sarif FILE: the spills as SARIF 2.1.0, for code-scanning dashboards
 * (GitHub's upload-sarif, and others).  One rule per namespace type; one
 * result per spill group and type, at the frames of its cause that are in
 * the checkout (repository-relative URIs, GitHub's maximum of 10), with
 * the whole stack in "stacks".  A group none of whose frames is in the
 * checkout has no place to show, and is left out (the summary and the
 * annotation still say it).  Written like --json: a temporary file made
 * before the command runs, renamed into place (outfile.c). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/fmt.h"
#include "cli.h"

#ifndef NSP_INFO_URI /* tools/cli.mk sets it (NAMSPILL_URL) */
#define NSP_INFO_URI "https://github.com/namspill/namspill"
#endif
#define MAX_LOCATIONS 10 /* GitHub's code scanning takes no more */

static const char *const fullhelp =
	"A thread entered another namespace with setns() or unshare() and was still "
	"there when the process was judged: work later scheduled on it runs in the wrong "
	"namespace.  The result's location is the call that moved it (the first frame "
	"of its stack in this repository); its message names the calls that tried to go "
	"back and failed, and the thread's path.";

/* A path as a URI reference: each byte outside the unreserved set and
 * '/' as %HH. */
static void uri(FILE *f, const char *path)
{
	char buf[PATH_MAX * 3 + 1], *o = buf;

	for (const unsigned char *s = (const unsigned char *)path; *s && o < buf + sizeof(buf) - 4;
	     s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr("-._~/", *s))
			*o++ = (char)*s;
		else
			o += sprintf(o, "%%%02X", *s);
	}
	*o = 0;
	json_put_str(f, buf);
}

/* The column after the last of line n of root/path (1 if unknown). */
static long end_column(const char *root, const char *path, long n)
{
	char full[PATH_MAX * 2], *text = NULL;
	size_t cap = 0;
	ssize_t len = -1;
	long end = 1;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", strcmp(root, "/") ? root : "", path);
	if (!(f = fopen(full, "re")))
		return 1;
	for (long i = 0; i < n && (len = getline(&text, &cap, f)) >= 0; i++)
		;
	if (len > 0)
		end = text[len - 1] == '\n' ? (long)len : (long)len + 1;
	fclose(f);
	free(text);
	return end;
}

static void rules(FILE *f)
{
	fputs("\"rules\":[", f);
	for (int t = 0; t < NAMSPILL_NS_COUNT; t++) {
		char s[256];
		fprintf(f, "%s{\"id\":\"namspill/%s\",\"name\":\"ThreadLeftIn_%s_Namespace\",", t ? "," : "",
			nsp_ns_names[t], nsp_ns_names[t]);
		snprintf(s, sizeof(s), "Thread left in a foreign %s namespace", nsp_ns_names[t]);
		fputs("\"shortDescription\":{\"text\":", f);
		json_put_str(f, s);
		fputs("},\"fullDescription\":{\"text\":", f);
		json_put_str(f, fullhelp);
		fputs("},\"help\":{\"text\":", f);
		json_put_str(f, fullhelp);
		fputs("},\"defaultConfiguration\":{\"level\":\"error\"},"
		      "\"properties\":{\"tags\":[\"namespaces\",\"threads\",\"correctness\"],"
		      "\"precision\":\"high\",\"problem.severity\":\"error\"}}", f);
	}
	fputc(']', f);
}

static void physical(FILE *f, const char *root, const char *path, long line)
{
	fputs("\"physicalLocation\":{\"artifactLocation\":{\"uri\":", f);
	uri(f, path);
	fprintf(f, "},\"region\":{\"startLine\":%ld,\"startColumn\":1,\"endLine\":%ld,"
		"\"endColumn\":%ld}}", line, line, end_column(root, path, line));
}

static void frame_text(char *buf, size_t cap, const struct jv *fr)
{
	const char *fn = json_str(fr, "function"), *file = json_str(fr, "file");
	const char *mod = json_str(fr, "module");

	if (file && json_int(fr, "line", 0) > 0)
		snprintf(buf, cap, "%s (%s:%lld)", fn ? fn : "?", file, json_int(fr, "line", 0));
	else
		snprintf(buf, cap, "%s (%s)", fn ? fn : "?", mod ? nsp_base_name(mod) : "?");
}

/* Frames of the stack in the checkout, innermost first, each place once. */
static void locations(FILE *f, const struct jv *st, const char *root)
{
	char path[PATH_MAX], seen[MAX_LOCATIONS][PATH_MAX + 24], text[PATH_MAX + 256];
	size_t n = 0;

	fputs("\"locations\":[", f);
	for (size_t i = 0; st && st->t == J_ARR && i < st->n && n < MAX_LOCATIONS; i++) {
		const struct jv *fr = &st->v[i];
		long line = (long)json_int(fr, "line", 0);
		int dup = 0;
		if (line <= 0 || cli_checkout_path(root, json_str(fr, "file"), path, sizeof(path)))
			continue;
		snprintf(seen[n], sizeof(seen[n]), "%s:%ld", path, line);
		for (size_t k = 0; k < n && !dup; k++)
			dup = !strcmp(seen[k], seen[n]);
		if (dup)
			continue;
		frame_text(text, sizeof(text), fr);
		fprintf(f, "%s{\"id\":%zu,", n ? "," : "", n);
		physical(f, root, path, line);
		fputs(",\"message\":{\"text\":", f);
		json_put_str(f, text);
		fputs("}}", f);
		n++;
	}
	fputc(']', f);
}

/* The whole stack, frames outside the checkout by module. */
static void stacks(FILE *f, const struct jv *st, const char *root, const char *call)
{
	char path[PATH_MAX], text[PATH_MAX + 256];

	fputs("\"stacks\":[{\"message\":{\"text\":", f);
	json_put_str(f, call);
	fputs("},\"frames\":[", f);
	for (size_t i = 0; st && st->t == J_ARR && i < st->n; i++) {
		const struct jv *fr = &st->v[i];
		long line = (long)json_int(fr, "line", 0);
		const char *mod = json_str(fr, "module");
		frame_text(text, sizeof(text), fr);
		fprintf(f, "%s{\"location\":{\"message\":{\"text\":", i ? "," : "");
		json_put_str(f, text);
		fputc('}', f);
		if (line > 0 && !cli_checkout_path(root, json_str(fr, "file"), path, sizeof(path))) {
			fputc(',', f);
			physical(f, root, path, line);
		}
		fputc('}', f);
		if (mod) {
			fputs(",\"module\":", f);
			json_put_str(f, nsp_base_name(mod));
		}
		fputc('}', f);
	}
	fputs("]}]", f);
}

/* Stable across runs: the group's key (frames by name and place), the type. */
static uint64_t fingerprint(const char *key, int type)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *s = key; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (h ^ (uint64_t)type) * 1099511628211ull;
}

static int result(FILE *f, const struct cli_group *g, int type, const char *root, int first)
{
	char path[PATH_MAX], call[128] = "the stack that created the thread";
	const struct jv *st = cli_group_stack(g), *cause = json_get(g->spill, "cause");
	char *msg;

	if (!cli_group_place(g, path, sizeof(path)))
		return 0;
	if (cause && cause->t == J_OBJ) {
		cli_call(call, sizeof(call), cause);
		strncat(call, " at", sizeof(call) - strlen(call) - 1);
	}
	msg = cli_group_message(g, type);
	fprintf(f, "%s{\"ruleId\":\"namspill/%s\",\"ruleIndex\":%d,\"level\":\"error\","
		"\"message\":{\"text\":", first ? "" : ",", nsp_ns_names[type], type);
	json_put_str(f, msg);
	fputs("},", f);
	locations(f, st, root);
	fprintf(f, ",\"partialFingerprints\":{\"namspillCause/v1\":\"%016llx\"},",
		(unsigned long long)fingerprint(g->key, type));
	stacks(f, st, root, call);
	fputc('}', f);
	free(msg);
	return 1;
}

int cli_write_sarif(struct cli_out *o, const struct procs *ps)
{
	FILE *f = cli_out_stream(o);
	const char *root = cli_checkout_root();
	struct cli_group *g;
	size_t ng, n = 0;

	if (!f) {
		cli_out_drop(o);
		return -1;
	}
	g = cli_groups(ps, &ng);
	fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
	      "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"namspill\",\"version\":\"" NAMSPILL_VERSION
	      "\",\"semanticVersion\":\"" NAMSPILL_VERSION "\",\"informationUri\":\"" NSP_INFO_URI
	      "\",", f);
	rules(f);
	fputs("}},\"results\":[", f);
	for (size_t i = 0; i < ng; i++)
		for (int t = 0; t < NAMSPILL_NS_COUNT; t++)
			if (g[i].types & (1u << t))
				n += (size_t)result(f, &g[i], t, root, n == 0);
	fputs("]}]}\n", f);
	cli_groups_free(g, ng);
	return cli_out_commit(o, f);
}
