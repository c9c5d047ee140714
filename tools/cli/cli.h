/* namspill, the command: runs a command tree with the shim (or the tracer)
 * and judges all of it at once; `namspill ps` inspects live processes.
 * Ordinary user-space code: stdio and malloc are fine here, unlike in
 * the library. */
#ifndef NSP_CLI_H
#define NSP_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "base/arena.h"
#include "base/nstype.h"
#include "base/options.h"
#include "base/out.h"
#include "base/proc.h"
#include "base/psstate.h"
#include "base/signame.h"
#include "report/report.h"
#include "report/supp.h"
#include "base/suppress.h"

/* Where the C library's headers are older than the kernel. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* Exit statuses of namspill itself (the command's own otherwise). */
#define CLI_FAILED 125   /* bad usage, or namspill could not do its part */
#define CLI_NOEXEC 126   /* the command exists but cannot be run */
#define CLI_NOTFOUND 127 /* no such command */

#define CLI_PATH 4352 /* a path and a file name in it */

enum { CLI_ANNOTATE_AUTO, CLI_ANNOTATE_NONE, CLI_ANNOTATE_GITHUB };

#define CLI_PS_SPILL 1
#define CLI_PS_ERROR 2

/* ---- outfile.c: the files written for the user, never through a link */
struct cli_out {
	const char *opt, *path; /* "--json", and the path as given */
	int dirfd, fd;          /* its directory; the temporary file */
	char tmp[CLI_PATH];     /* the temporary file's name there */
	char name[CLI_PATH];    /* the final name there */
};
/* Creates a temporary file next to path: 0, or -1 after saying why. */
int cli_out_open(struct cli_out *o, const char *opt, const char *path);
FILE *cli_out_stream(struct cli_out *o);
/* Closes f and renames the file into place: 0, or -1 after saying why. */
int cli_out_commit(struct cli_out *o, FILE *f);
/* Removes the temporary file, if it is still there. */
void cli_out_drop(struct cli_out *o);
/* The --keep-logs directory, created or checked to be ours: an fd, or -1
 * after saying why. */
int cli_keep_dir(const char *path);
/* dirfd/name holds data, written whole under a temporary name, renamed:
 * 0, or -1 with errno. */
int cli_put_file(int dirfd, const char *name, const char *data, size_t len);

#define CLI_NO_WATCH_PROC 2 /* not asked: /proc is of another pid namespace */

struct cli {
	char **cmd;           /* the command and its arguments */
	const char *json, *junit, *keep_logs, *options, *suppressions, *sarif;
	int annotate;         /* CLI_ANNOTATE_*: workflow commands on stdout */
	int exitcode;         /* when a spill is found and the command succeeded */
	int quiet, trace, no_watch; /* no_watch: 1, or CLI_NO_WATCH_PROC */
	/* Set while running. */
	char dir[256];        /* private report directory (files mode) */
	struct cli_out json_out, junit_out, sarif_out;
	int keep_fd;          /* the --keep-logs directory */
	int traced;           /* ran under namspill-trace */
	const char *unjudged; /* why the command itself runs as it is, unjudged */
	pid_t pid;            /* the command's */
	struct watch *watch;  /* the supervisor (watch mode, the default) */
	uint64_t key;         /* its watch key; 0: not watched */
	int sock[2];          /* the listener's way from the command to us */
	struct nsp_supp rules; /* the suppressions, applied by the supervisor */
	int status;           /* the command's wait status */
	int exit;             /* what namspill exits with */
};

void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *cli_alloc(size_t n);
char *cli_strdup(const char *s);
char *cli_slurp(const char *path, size_t *len);
char *cli_slurp_fd(int fd, size_t *len);
/* s[0..n) with control bytes and bytes that are not UTF-8 as \xHH
 * (newlines and tabs kept if lines). */
void cli_put_safe(FILE *f, const char *s, size_t n, int lines);
/* SIGPIPE ignored in namspill; the inherited disposition back (in the
 * child, before exec). */
void cli_ignore_sigpipe(void);
void cli_restore_sigpipe(void);

/* ---- outfile.c: --json, --junit and --keep-logs, made ready before the
 * command runs (so a bad path costs nothing), and what is left of them
 * (temporary files, descriptors) cleared at the end. */
int cli_outputs_open(struct cli *c);
void cli_outputs_close(struct cli *c);

/* ---- args.c */
/* -1: run c->cmd; otherwise the status to exit with now. */
int cli_parse_args(struct cli *c, int argc, char **argv);

/* ---- locate.c: our own files, in the build tree or installed */
/* Path of libnamspill.so, or NULL after saying where it looked. */
const char *cli_find_library(void);
const char *cli_find_tracer(void);

/* ---- elf.c: can a preload reach this command? */
/* The file execvp would run (into path), found with stat: 1, or 0 if
 * there is none (exec then says so). */
int cli_resolve(const char *cmd, char *path, size_t cap);
enum cli_reach { CLI_REACH_OK, CLI_REACH_STATIC, CLI_REACH_SECURE, CLI_REACH_FOREIGN };
/* Which file would run (PATH search as execvp), and whether the preload
 * reaches it; *why says in a few words why not. */
enum cli_reach cli_reach(const char *cmd, char *path, size_t cap, const char **why);
/* Whether the open file is a Go program linked by Go's own linker,
 * statically, without the C library: its threads are made by the Go
 * runtime with clone, never clone3 (watch.c relies on that). */
int cli_elf_pure_go(int fd);
/* Whether a setuid program keeps its privileges under our tracer. */
int cli_tracer_keeps_privileges(void);

/* ---- env.c: the environment of the command */
/* NAMSPILL_OPTIONS for the tree: inherited and --options entries checked
 * (a bad --options entry is an error), the report directory forced. */
struct nsp_supp;
int cli_make_options(struct cli *c, char *out, size_t cap, struct nsp_supp *rules);
/* The suppressions file checked (bad lines reported once) into rules: 0,
 * or -1 after saying why. */
struct nsp_supp;
int cli_read_suppressions(const char *path, struct nsp_supp *rules);
int cli_add_preload(const char *lib);
int cli_go_uncached(void);

/* ---- run.c: the command tree */
/* What a mode adds to running the command: child() in the command's
 * process before it execs (0, or a negative errno that fails it);
 * parent() in namspill once the child exists, before namspill adopts
 * orphans (0, or -1 after saying why); reaped() for each orphan of the
 * tree namspill reaps.  Any may be NULL. */
struct run_setup {
	int (*child)(void *ctx);
	int (*parent)(void *ctx, pid_t child);
	void (*reaped)(void *ctx, pid_t pid, int status);
	void *ctx;
};
/* Runs argv (the command, or the tracer and the command) and waits; the
 * wait status, or -1 with *code set when it could not be started. */
int cli_run(char **argv, int traced, const struct run_setup *setup, int *code,
	    pid_t *pid);

/* ---- tree.c */
/* Sends sig to every process below us except skip; returns how many. */
int cli_signal_tree(int sig, pid_t skip);
/* The processes below namspill now (count in *n), to free. */
pid_t *cli_tree_pids(size_t *n);
int cli_alive(pid_t pid);

/* ---- json.c: a small JSON reader for the reports */
enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };
struct jv {
	enum jt t;
	int b;
	double num;
	char *str;     /* J_STR */
	size_t n;      /* items of J_ARR or J_OBJ */
	struct jv *v;  /* items */
	char **k;      /* keys of J_OBJ */
};
struct jv *json_parse(const char *s, size_t len, const char **err);
void json_free(struct jv *v);
const struct jv *json_get(const struct jv *o, const char *key);
const char *json_str(const struct jv *v, const char *key);
long long json_int(const struct jv *v, const char *key, long long dflt);
/* Writes s as a JSON string. */
void json_put_str(FILE *f, const char *s);
/* Writes v back as JSON text. */
void json_write(FILE *f, const struct jv *v);

/* ---- logs.c: what the processes of the tree left */
struct proc {
	pid_t pid, ppid;
	/* Files mode: pid is of pid namespace pidns, not ours (0: ours), and
	 * pidid tells it from others with that pid there (0: not needed). */
	uint64_t pidns, pidid;
	/* Files mode: the report of a later process that had the same pid
	 * (log_path.<pid>.<later>; 0: the first). */
	unsigned later;
	int forked;           /* marker written in a fork child, before exec */
	int threaded;         /* the marker says it started a thread */
	char *raw;            /* the report's text, NULL if there is none */
	struct jv *rep;       /* the report, parsed */
	struct jv *mark;      /* the start marker, when no report replaced it */
	const struct jv *argv;
	char *cmdline;        /* argv as one line for people */
	int running;          /* still running when the command ended */
	char *why;            /* no report: why, where known (the supervisor) */
	int counted;          /* judged by its count: one thread at its end */
	/* Judged by the watch though it ended unseen (no exit_group stop, no
	 * report): no thread of it switched since its exec or fork.  How it
	 * ended ("killed by SIGTERM"); NULL otherwise. */
	char *ended;
	int unprivileged;     /* a set-user-ID program that ran without its privileges */
	size_t spills, suppressed;
	uint64_t ns[NAMSPILL_NS_COUNT]; /* what it lived in (0: not known) */
	char comm[16];
};
struct procs {
	struct proc *p;
	size_t n;
	size_t spills, suppressed, spilled_procs, errors;
	size_t no_report;     /* ran with threads (or still runs), no report */
	size_t single;        /* ended without a report, never had a thread */
	size_t unmoved;       /* ended unseen, no switch made (ended set) */
};
int cli_read_logs(const char *dir, struct procs *ps);
/* The inode of namspill's own pid namespace (0 if /proc cannot say). */
uint64_t cli_own_pidns(void);
/* A report's JSON text (malloc'd, taken) as p's; where: for messages. */
void cli_take_report(struct proc *p, char *raw, size_t len, const char *where);
/* A command line (NUL-separated) as p's argv and cmdline. */
void cli_proc_argv(struct proc *p, const char *argv, size_t len);
/* Marks the spills of p's report that rules suppress, and recounts. */
struct nsp_supp;
void cli_suppress(struct proc *p, const struct nsp_supp *rules);
void cli_free_logs(struct procs *ps);
/* Why p could not be judged, for people; NULL if it was judged (a report,
 * or no second thread ever). */
const char *cli_why_unjudged(const struct proc *p);
/* The reports of ps into the directory todir (to: its name). */
int cli_keep_logs(const struct procs *ps, int todir, const char *to);

/* ---- stack.c: stacks and causes from JSON, for people */
void cli_to_file(void *f, const char *s, size_t n); /* an nsp_out sink */
void cli_print_stack(FILE *f, const struct jv *stack);
/* "leaky_worker (t.c:42)" for frame 0 of a stack. */
void cli_culprit(char *buf, size_t cap, const struct jv *stack);
/* "setns(CLONE_NEWNET)" */
void cli_call(char *buf, size_t cap, const struct jv *cause);

/* ---- names.c: the tree's spills named by the tree's processes */
void cli_name_tree(struct procs *ps);

/* ---- nsproc.c: namespaces named by the processes that live in them */
struct cli_nswant {
	int type;
	uint64_t ino;
	pid_t skip;      /* the process it is wanted for (another names it) */
	pid_t pid;       /* found: the first other process in it, 0: none */
	char comm[16];
};
/* /proc/PID/ns/TYPE's inode, 0 if it cannot be read. */
uint64_t cli_proc_ns(pid_t pid, int type);
int cli_proc_ns_all(pid_t pid, uint64_t ns[NAMSPILL_NS_COUNT]);
/* Appends to w[0..n) the namespaces of r's spills (theirs and their
 * majority's) that nothing names yet, up to cap; returns the new n. */
size_t cli_report_wants(const struct nsp_report *r, struct cli_nswant *w, size_t n, size_t cap);
/* Finds each one's first process on the host, in one pass over /proc. */
void cli_find_dwellers(struct cli_nswant *w, size_t n);
/* Adds what was found for r to r's names. */
void cli_report_name(struct nsp_report *r, struct nsp_arena *a, const struct cli_nswant *w,
		     size_t n);

/* ---- path.c: how a spilled thread got there, for people */
/* "net:[4026532177] (ip netns sandbox)"; ino not a number: "net:[?]". */
void cli_print_nsid(FILE *f, const char *type, const struct jv *ino, const char *name);
/* Its failed calls ("tried to go back by ...") and its path, one line
 * per switch. */
void cli_print_path(FILE *f, const struct jv *spill);

/* ---- summary.c, out_json.c, junit.c: the outputs */
void cli_summary(FILE *f, const struct cli *c, const struct procs *ps);
/* Spills of the tree grouped by the call that caused them (by frames'
 * names and places, not addresses), suppressed ones left out. */
struct cli_member {
	const struct proc *p;
	long long tid;
	int inherited;
};
struct cli_group {
	char *key;
	const struct jv *spill; /* the first, for its stacks */
	unsigned types;
	struct cli_member *m;
	size_t n, threads, procs, inherited;
};
struct cli_group *cli_groups(const struct procs *ps, size_t *ng);
void cli_groups_free(struct cli_group *g, size_t ng);
/* "net, uts" */
void cli_types_str(char *buf, size_t cap, unsigned types);

/* ---- ci.c, sarif.c: CI annotations and SARIF */
/* GITHUB_WORKSPACE, else the current directory, resolved. */
const char *cli_checkout_root(void);
/* file relative to root if it is a file there: 0, else -1. */
int cli_checkout_path(const char *root, const char *file, char *out, size_t cap);
/* A group's cause stack (its creation stack when it has no cause). */
const struct jv *cli_group_stack(const struct cli_group *g);
/* Its first frame with a file in the checkout (path there in out). */
const struct jv *cli_group_place(const struct cli_group *g, char *out, size_t cap);
/* What it says, malloc'd: for type, or all its types (-1). */
char *cli_group_message(const struct cli_group *g, int type);
/* One ::error workflow command per group. */
void cli_annotate_github(FILE *f, const struct procs *ps);
int cli_write_sarif(struct cli_out *o, const struct procs *ps);
/* "not judged: ..." for the command that runs as it is (c->unjudged). */
void cli_unjudged_why(const struct cli *c, char *buf, size_t cap);
int cli_write_json(struct cli_out *o, const struct cli *c, const struct procs *ps);
int cli_write_junit(struct cli_out *o, const struct cli *c, const struct procs *ps);

/* ---- ps.c, stacks.c */
int cli_ps(int argc, char **argv);
/* The namespaces of r's spills nothing names, named by the first other
 * process of the host in them. */
void cli_ps_name(struct nsp_report *r, struct nsp_arena *a);
/* "net:[4026532180] (ip netns blue)", with r's names. */
void cli_ps_ns(FILE *f, const struct nsp_report *r, int type, uint64_t ino);
/* psall.c: every process of the host whose threads disagree. */
int cli_ps_all(int json, FILE *out);
/* Asks pid for a report through its report_signal; 0, or an error
 * already explained on stderr. */
int cli_request_stacks(pid_t pid, FILE *out);
/* peek.c: the library's state in pid's memory: 0, -ENXIO if it does not
 * run the library, -ENOENT if another version of it, else -errno. */
int cli_peek_state(pid_t pid, struct nsp_ps_state *st);

#endif
