/* namspill [OPTIONS] [--] COMMAND [ARGS...]   (see cli_usage)
 * namspill ps [--json] [--stacks] PID...
 *
 * Runs the command tree with the shim preloaded (or under the tracer) and
 * every report written into a private directory, then judges the whole
 * tree: one summary, one exit status, optional JSON and JUnit files. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static int make_dir(struct cli *c)
{
	const char *tmp = getenv("TMPDIR");
	char base[PATH_MAX];

	if (!tmp || !*tmp || !realpath(tmp, base))
		strcpy(base, "/tmp");
	if (snprintf(c->dir, sizeof(c->dir), "%s/namspill.XXXXXX", base) >= (int)sizeof(c->dir) ||
	    !mkdtemp(c->dir)) {
		cli_err("cannot create a report directory in %s: %s", base, strerror(errno));
		c->dir[0] = 0;
		return -1;
	}
	return 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = dir[0] ? opendir(dir) : NULL;
	struct dirent *e;
	char path[CLI_PATH];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

/* Preload, or the tracer when the preload cannot reach the command. */
static int choose_mode(struct cli *c, const char **tracer)
{
	char path[CLI_PATH];
	const char *why;
	enum cli_reach r = cli_reach(c->cmd[0], path, sizeof(path), &why);

	if (r == CLI_REACH_FOREIGN) {
		cli_err("%s is %s: neither the preload nor the tracer can follow it", path, why);
		return -1;
	}
	if (!c->trace && r == CLI_REACH_OK)
		return 0;
	/* Never run a program with other privileges than it would have
	 * without us: one we cannot judge runs as it is. */
	if (!c->trace && r == CLI_REACH_SECURE && !cli_tracer_keeps_privileges()) {
		cli_err("%s is %s: LD_PRELOAD cannot reach it, and the tracer would take its "
			"privileges away (namspill is not privileged); running it as it is, not "
			"judged", path, why);
		c->unjudged = why;
		return 0;
	}
	if (!(*tracer = cli_find_tracer()))
		return -1;
	if (!c->trace && !c->quiet)
		cli_err("%s is %s: LD_PRELOAD cannot reach it; running it under the tracer "
			"(namspill --trace)", path, why);
	c->traced = 1;
	return 0;
}

static int prepare(struct cli *c, const char **tracer)
{
	static char opts[8192];
	const char *lib = NULL;

	if (cli_outputs_open(c) || choose_mode(c, tracer) ||
	    (!c->traced && !(lib = cli_find_library())) || make_dir(c) ||
	    cli_make_options(c, opts, sizeof(opts)))
		return -1;
	if (setenv("NAMSPILL_OPTIONS", opts, 1) || (lib && cli_add_preload(lib)))
		return -1;
	return 0;
}

static char **tracer_argv(const char *tracer, char **cmd)
{
	size_t n = 0;
	char **v;

	while (cmd[n])
		n++;
	v = cli_alloc((n + 3) * sizeof(*v));
	v[0] = (char *)tracer;
	v[1] = "--";
	memcpy(v + 2, cmd, (n + 1) * sizeof(*v));
	return v;
}

/* The command's failure first, then spills, then 0. */
static int verdict(const struct cli *c, const struct procs *ps)
{
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	if (WEXITSTATUS(c->status))
		return WEXITSTATUS(c->status);
	return ps->spills ? c->exitcode : 0;
}

static int report(struct cli *c)
{
	struct procs ps;
	int failed = 0, spilled;

	if (cli_read_logs(c->dir, &ps))
		return CLI_FAILED;
	c->exit = verdict(c, &ps);
	spilled = ps.spills > 0;
	/* The files first: they do not depend on anyone reading stderr. */
	if (c->keep_logs && cli_keep_logs(c->dir, c->keep_fd, c->keep_logs))
		failed = 1;
	if (c->junit && cli_write_junit(&c->junit_out, c, &ps))
		failed = 1;
	if (c->json && cli_write_json(&c->json_out, c, &ps))
		failed = 1;
	cli_summary(stderr, c, &ps);
	cli_free_logs(&ps);
	/* A file asked for and not written fails the run, unless the command
	 * failed on its own: its status says more. */
	if (failed && (c->exit == 0 || (spilled && c->exit == c->exitcode)))
		return CLI_FAILED;
	return c->exit;
}

static int run(struct cli *c)
{
	const char *tracer = NULL;
	char **argv;
	int code, rc;

	if (prepare(c, &tracer)) {
		remove_dir(c->dir);
		cli_outputs_close(c);
		return CLI_FAILED;
	}
	argv = c->traced ? tracer_argv(tracer, c->cmd) : c->cmd;
	c->status = cli_run(argv, c->traced, &code, &c->pid);
	rc = c->status < 0 ? code : report(c);
	remove_dir(c->dir);
	cli_outputs_close(c);
	if (argv != c->cmd)
		free(argv);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli c;
	int rc;

	if (argc > 1 && !strcmp(argv[1], "ps"))
		return cli_ps(argc - 1, argv + 1);
	memset(&c, 0, sizeof(c));
	cli_ignore_sigpipe();
	rc = cli_parse_args(&c, argc, argv);
	return rc >= 0 ? rc : run(&c);
}
