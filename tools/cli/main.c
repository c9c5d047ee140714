/* namspill [OPTIONS] [--] COMMAND [ARGS...]   (see cli_usage)
 * namspill ps [--json] [--stacks] PID...
 *
 * Runs the command tree and judges all of it: one summary, one exit
 * status, optional JSON and JUnit files.  Three ways to see the tree:
 *   watch (the default): the shim preloaded, and the supervisor of
 *     watch.c seeing every process at its end, whatever it is;
 *   files (--no-watch, or where a seccomp listener cannot be had): the
 *     shim alone, each process writing its report into a private
 *     directory, a static or setuid command under the tracer;
 *   trace (--trace): everything under the ptrace tracer. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/random.h>
#include <sys/socket.h>

#include "base/proc.h"
#include "base/suppress.h"
#include "cli.h"
#include "watch.h"

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

/* Whether a seccomp filter with a listener can be had here: tried in a
 * child that ends at once, so namspill itself stays unfiltered. */
static int can_watch(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		/* The listener is closed before the end: a process that holds
		 * its own would wait for itself at exit_group. */
		int s[2], fd = -1;
		int bad = socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s) ||
			  watch_child_setup(s[1], 1) || (fd = watch_recv_fd(s[0])) < 0;
		close(fd);
		_exit(bad);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

static uint64_t new_key(void)
{
	uint64_t k = 0;

	while (!k && getrandom(&k, sizeof(k), 0) != (ssize_t)sizeof(k))
		;
	return k | 1; /* never 0: that is "not watched" */
}

static int proc_foreign(void)
{
	pid_t p, t;

	int r = nsp_proc_self_numbers(&p, &t);

	return r == 1 || r == -ENOENT; /* another pid namespace's, ours not in it, or none */
}

/* Watched, files with the preload, or the tracer when the preload cannot
 * reach the command in files mode. */
static int choose_mode(struct cli *c, const char **tracer)
{
	char path[CLI_PATH];
	const char *why;
	enum cli_reach r = cli_reach(c->cmd[0], path, sizeof(path), &why);

	if (r == CLI_REACH_FOREIGN) {
		cli_err("%s is %s: neither the preload nor the tracer can follow it", path, why);
		return -1;
	}
	/* Never run a program with other privileges than it would have
	 * without us: one we cannot judge without taking them (no_new_privs
	 * for the supervisor's filter, ptrace for the tracer) runs as it is. */
	if (!c->trace && r == CLI_REACH_SECURE && !cli_tracer_keeps_privileges()) {
		cli_err("%s is %s: LD_PRELOAD cannot reach it, and watching it would take its "
			"privileges away (namspill is not privileged); running it as it is, not "
			"judged", path, why);
		c->unjudged = why;
		return 0;
	}
	/* The supervisor and the tracer learn processes by this pid
	 * namespace's numbers and read /proc by them: a /proc of another
	 * namespace (of its parent's, or of one below, where namspill is not
	 * to be found) would have them read other processes, and none has
	 * nothing to read.  The preload reads its own process right, or says
	 * it cannot. */
	if (proc_foreign()) {
		if (c->trace || r != CLI_REACH_OK) {
			cli_err("%s: /proc here does not show namspill's processes by the numbers it "
				"knows them by (it is another pid namespace's, or there is none): the "
				"tracer cannot judge from it (mount a /proc of this namespace, unshare "
				"--pid --fork --mount-proc, or run namspill outside it)",
				c->trace ? "--trace" : path);
			return -1;
		}
		if (!c->no_watch && !c->quiet)
			cli_err("warning: /proc here does not show namspill's processes by the numbers "
				"it knows them by (it is another pid namespace's, or there is none): no "
				"watch, only processes the preload reaches are judged (static and Go "
				"programs are not; mount a /proc of this namespace, unshare --pid --fork "
				"--mount-proc, to watch them)");
		if (!c->no_watch)
			c->no_watch = CLI_NO_WATCH_PROC;
		return 0;
	}
	if (!c->trace && !c->no_watch) {
		if (can_watch()) {
			c->key = new_key();
			return 0;
		}
		if (!c->quiet)
			cli_err("warning: no seccomp listener here (%s): only processes the preload "
				"reaches are judged (static and Go programs are not; see --trace)",
				strerror(errno));
	}
	if (!c->trace && r == CLI_REACH_OK)
		return 0;
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
	    (!c->traced && !(lib = cli_find_library())) || (!c->key && make_dir(c)) ||
	    cli_make_options(c, opts, sizeof(opts), &c->rules))
		return -1;
	if (setenv("NAMSPILL_OPTIONS", opts, 1) || (lib && cli_add_preload(lib)) ||
	    cli_go_uncached())
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

/* The command's failure first, then spills, then a tree of which nothing
 * could be judged (never a silent pass), then 0. */
static int verdict(const struct cli *c, const struct procs *ps)
{
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	if (WEXITSTATUS(c->status))
		return WEXITSTATUS(c->status);
	if (ps->spills)
		return c->exitcode;
	/* Every process unjudged (no report, or one that could not read its
	 * threads), or the command run as it is (and nothing else of the tree
	 * seen): nothing was checked. */
	return (ps->n && ps->no_report + ps->errors == ps->n) || (c->unjudged && !ps->n) ? CLI_FAILED
											   : 0;
}

static int report(struct cli *c)
{
	struct procs ps;
	int failed = 0, spilled;

	if (c->watch) {
		watch_root_ended(c->watch, c->status);
		watch_finish(c->watch, &ps);
	}
	else if (cli_read_logs(c->dir, &ps))
		return CLI_FAILED;
	c->exit = verdict(c, &ps);
	spilled = ps.spills > 0;
	if (spilled)
		cli_name_tree(&ps);
	/* The files first: they do not depend on anyone reading stderr. */
	if (c->keep_logs && cli_keep_logs(&ps, c->keep_fd, c->keep_logs))
		failed = 1;
	if (c->junit && cli_write_junit(&c->junit_out, c, &ps))
		failed = 1;
	if (c->json && cli_write_json(&c->json_out, c, &ps))
		failed = 1;
	if (c->sarif && cli_write_sarif(&c->sarif_out, &ps))
		failed = 1;
	cli_summary(stderr, c, &ps);
	if (c->annotate == CLI_ANNOTATE_GITHUB ||
	    (c->annotate == CLI_ANNOTATE_AUTO && getenv("GITHUB_ACTIONS") &&
	     !strcmp(getenv("GITHUB_ACTIONS"), "true")))
		cli_annotate_github(stdout, &ps);
	cli_free_logs(&ps);
	/* A file asked for and not written fails the run, unless the command
	 * failed on its own: its status says more. */
	if (failed && (c->exit == 0 || (spilled && c->exit == c->exitcode)))
		return CLI_FAILED;
	return c->exit;
}

/* Watch mode's part in running the command (run.c). */
static int watch_child(void *ctx)
{
	const struct cli *c = ctx;

	return watch_child_setup(c->sock[1], c->key);
}

static int watch_parent(void *ctx, pid_t child)
{
	struct cli *c = ctx;

	close(c->sock[1]);
	c->watch = watch_start(c->sock[0], c->key, c->quiet, &c->rules);
	close(c->sock[0]);
	if (c->watch)
		watch_root(c->watch, child);
	return c->watch ? 0 : -1;
}

static void watch_reaped_cb(void *ctx, pid_t pid, int status)
{
	struct cli *c = ctx;

	watch_reaped(c->watch, pid, status);
}

static int run(struct cli *c)
{
	struct run_setup watch = { watch_child, watch_parent, watch_reaped_cb, c };
	const char *tracer = NULL;
	char **argv;
	int code, rc;

	if (prepare(c, &tracer) ||
	    (c->key && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sock))) {
		remove_dir(c->dir);
		cli_outputs_close(c);
		return CLI_FAILED;
	}
	argv = c->traced ? tracer_argv(tracer, c->cmd) : c->cmd;
	c->status = cli_run(argv, c->traced, c->key ? &watch : NULL, &code, &c->pid);
	rc = c->status < 0 ? code : report(c);
	remove_dir(c->dir);
	cli_outputs_close(c);
	if (argv != c->cmd)
		free(argv);
	return rc;
}

/* With a sanitizer's runtime in LD_PRELOAD (for the tree, whose
 * programs are built with it), namspill runs with it too: LeakSanitizer
 * would then judge namspill's own memory at its exit and change its
 * status.  Its hook, exported (tools/cli.mk), turns it off here only. */
__attribute__((visibility("default"), used)) int __lsan_is_turned_off(void)
{
	return 1;
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
