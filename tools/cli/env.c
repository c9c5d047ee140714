/* The environment the command runs in: NAMSPILL_OPTIONS rebuilt from the
 * options table (so each process of the tree sees only entries that are
 * valid, and no warning repeats once per process), LD_PRELOAD with our
 * library added, and a clean copy of the suppressions file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int bad_entries;

static void warn_env(const char *msg, const char *key, const char *val)
{
	cli_err("warning: NAMSPILL_OPTIONS: %s '%s%s%s' (left out)", msg, key, val ? "=" : "",
		val ? val : "");
}

static void warn_arg(const char *msg, const char *key, const char *val)
{
	cli_err("--options: %s '%s%s%s'", msg, key, val ? "=" : "", val ? val : "");
	bad_entries++;
}

int cli_read_suppressions(const char *path, struct nsp_supp *rules)
{
	int e;

	if (!path || !*path)
		return 0;
	if ((e = nsp_supp_read(rules, path))) {
		cli_err("cannot read suppressions file %s: %s", path,
			e == -EFBIG ? "larger than 1 MiB" : e == -EINVAL ? "not a regular file" :
			strerror(-e));
		return -1;
	}
	return 0;
}

/* The suppressions file checked once here (bad lines reported once, not
 * by every process) and copied clean into the report directory; its path
 * in out, "" for none. */
/* The report directory as the tree reaches it: through namspill's own
 * root (/proc/PID/root), so a process of the tree that mounted another
 * /tmp, or moved to another mount namespace, still writes its report
 * where namspill reads it.  The plain path where /proc cannot say. */
static void tree_path(const struct cli *c, const char *name, char *out, size_t cap)
{
	char root[48];

	snprintf(root, sizeof(root), "/proc/%d/root", (int)getpid());
	if (access(root, X_OK))
		root[0] = 0;
	snprintf(out, cap, "%s%s/%s", root, c->dir, name);
}

static int prepare_suppressions(struct cli *c, const char *path, char *out, size_t cap)
{
	struct nsp_supp *set;
	FILE *f;

	out[0] = 0;
	if (!path || !*path)
		return 0;
	set = cli_alloc(sizeof(*set));
	if (cli_read_suppressions(path, set)) {
		free(set);
		return -1;
	}
	tree_path(c, "suppressions", out, cap);
	f = fopen(out, "we");
	for (size_t i = 0; f && i < set->n; i++)
		fprintf(f, "%s:%s\n", set->rule[i].kind == NSP_SUPP_SPILL ? "spill" : "module",
			set->text + set->rule[i].off);
	if (!f || fclose(f)) {
		cli_err("cannot write %s: %s", out, strerror(errno));
		free(set);
		return -1;
	}
	free(set);
	return 0;
}

/* Inherited entries first, then ours: processes keep their own exit
 * status (only the wrapper's verdict fails a run, so `make` does not stop
 * half-way on a status 66), unless --options asks for exitcode itself;
 * history_ns is on unless either turns it off. */
int cli_make_options(struct cli *c, char *out, size_t cap, struct nsp_supp *rules)
{
	struct nsp_options o, u;
	char supp[NSP_MAX_PATH];

	nsp_options_defaults(&u);
	nsp_options_parse(&u, c->options, NULL);
	if (u.log_path[0] || u.json) {
		cli_err("--options: namspill sets %s itself (see --keep-logs and --json)",
			u.log_path[0] ? "log_path" : "format");
		return -1;
	}
	nsp_options_defaults(&o);
	/* A report here is read by someone chasing a spill: the whole path,
	 * for a system call more per switch, unless they say otherwise. */
	o.history_ns = 1;
	nsp_options_parse(&o, getenv("NAMSPILL_OPTIONS"), warn_env);
	o.exitcode = 0;
	nsp_options_parse(&o, c->options, warn_arg);
	if (bad_entries)
		return -1;
	if (c->key) {
		/* Watched: reports go to the supervisor, which applies the
		 * suppressions to every process alike. */
		if (cli_read_suppressions(c->suppressions ? c->suppressions : o.suppressions,
					  rules))
			return -1;
		o.suppressions[0] = 0;
		o.watch = c->key;
	} else {
		if (prepare_suppressions(c, c->suppressions ? c->suppressions : o.suppressions,
					 supp, sizeof(supp)))
			return -1;
		snprintf(o.suppressions, sizeof(o.suppressions), "%s", supp);
		tree_path(c, "r", o.log_path, sizeof(o.log_path));
		o.json = 1;
		o.start_marker = !c->traced;
	}
	if (nsp_options_format(&o, out, cap)) {
		cli_err("NAMSPILL_OPTIONS would be too long, or a value holds both ' and \"");
		return -1;
	}
	return 0;
}

/* go test reuses a passing package's cached result, running nothing:
 * nothing to judge, and a spill it hid would pass again.  The tree runs
 * its tests for real (GOFLAGS -count=1, unless a count is asked for). */
int cli_go_uncached(void)
{
	const char *old = getenv("GOFLAGS");
	char *v;
	int r;

	if (old && strstr(old, "-count"))
		return 0;
	v = cli_alloc((old ? strlen(old) : 0) + 16);
	sprintf(v, "%s%s-count=1", old ? old : "", old && *old ? " " : "");
	r = setenv("GOFLAGS", v, 1);
	free(v);
	return r;
}

/* Added after what is there: a preload the user chose keeps its place. */
int cli_add_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *v;
	int r;

	if (strpbrk(lib, ": ")) {
		cli_err("cannot preload %s: LD_PRELOAD cannot hold a path with ':' or ' '", lib);
		return -1;
	}
	if (old && *old) {
		/* Already there under this path: a second copy would only idle. */
		size_t n = strlen(lib);
		for (const char *p = old; (p = strstr(p, lib)); p += n)
			if ((p == old || p[-1] == ':' || p[-1] == ' ') &&
			    (!p[n] || p[n] == ':' || p[n] == ' '))
				return 0;
		v = cli_alloc(strlen(old) + n + 2);
		sprintf(v, "%s:%s", old, lib);
	} else {
		v = cli_strdup(lib);
	}
	r = setenv("LD_PRELOAD", v, 1);
	free(v);
	return r;
}
