/* lib/report: what a report says and how it is written, for the runtime
 * inside the program and for the tools outside it alike.
 *
 * The rules of lib/base hold here too: async-signal-safe, no malloc,
 * stdio or locks; memory comes from the caller's arena, output goes
 * through nsp_out.  So a report is built and written in a signal handler
 * as well as in the tracer.  Nothing here knows where the records come
 * from: the runtime and the tracer each hand explain() a record source. */
#ifndef NSP_REPORT_H
#define NSP_REPORT_H

#include "base/arena.h"
#include "base/nstype.h"
#include "base/options.h"
#include "base/out.h"
#include "base/verdict.h"

enum nsp_call { NSP_CALL_NONE, NSP_CALL_SETNS, NSP_CALL_UNSHARE };

struct nsp_stack {
	uint32_t depth;
	uintptr_t ip[NSP_MAX_DEPTH];
};

struct nsp_cause {
	int call;
	unsigned kinds;
	pid_t tid;
	uint64_t seq;
	struct nsp_stack stack;
};

struct nsp_hop {
	pid_t tid, parent_tid;
	struct nsp_stack stack;
};

/* NSP_ERR_UNSEEN: a call that probably failed, its result not seen (the
 * supervisor answers before the kernel runs it). */
#define NSP_ERR_UNSEEN (-1)
#define NSP_PATH_MAX 8   /* switches shown in a thread's path, at most */
#define NSP_FAILED_MAX 4 /* failed calls shown per thread, at most */
#define NSP_SITE_DEPTH 4 /* frames kept of a path step */

/* A call in a thread's path, or one that failed.  from and to are the
 * thread's namespaces of the spill's type before and after it (a failed
 * call leaves it where it was), 0 where not known. */
struct nsp_step {
	int call;
	unsigned kinds;  /* from the flags (or a setns fd's type) */
	pid_t tid;
	uint64_t seq;
	int err;         /* failed: its errno, or NSP_ERR_UNSEEN; 0: it succeeded */
	uint64_t from, to;
	int target_type; /* a setns: the type of its fd's namespace, -1 if not one */
	uint64_t target; /* and that namespace */
	struct nsp_stack stack;
};

/* Names people know namespaces by (nsname.c): an ip netns name, another
 * bind mount of the namespace file, a process that lives in it. */
enum nsp_name_kind { NSP_NAME_NETNS, NSP_NAME_MOUNT, NSP_NAME_PROC };

struct nsp_nsname {
	uint64_t ino;
	enum nsp_name_kind kind;
	/* "ip netns NAME", "mount /PATH", "pid N (COMM)" */
	const char *text;
};

struct nsp_nsnames {
	size_t n, cap;
	struct nsp_nsname *e; /* ascending ino once sorted */
};

struct nsp_spill {
	pid_t tid;
	char comm[16];
	int type;
	struct namspill_nsid ns;
	int suppressed; /* matched a suppression: counted, does not fail */
	const struct nsp_cause *cause; /* NULL: no recorded call explains it */
	size_t nhops;
	const struct nsp_hop *hops; /* inherited_via, the spilled thread first */
	const struct nsp_hop *creation; /* how the thread was created, if known */
	/* Its failed calls and its path in this type (path.c), oldest first;
	 * *_dropped: those earlier that were not kept. */
	size_t nfailed, failed_dropped;
	const struct nsp_step *failed;
	size_t npath, path_dropped;
	const struct nsp_step *path;
};

enum nsp_trigger { NSP_TRIGGER_EXIT, NSP_TRIGGER_SIGNAL, NSP_TRIGGER_REQUEST, NSP_TRIGGER_INSPECT };

struct nsp_tidpair {
	pid_t own, proc;
};

struct nsp_report {
	pid_t pid;
	pid_t at; /* /proc/AT is read: pid, or a live thread of it */
	char comm[16];
	enum nsp_trigger trigger;
	int signo;
	int proc_err; /* negative errno: /proc unreadable, no verdict */
	size_t nthreads;
	int read_how; /* NSP_READ_* (base/proc.h): how the threads were found and read */
	/* nsp_report_scan_renumbered: /proc's number of each thread, by own */
	const struct nsp_tidpair *renumbered;
	size_t nrenumbered;
	struct namspill_task *tasks; /* nthreads, their namespaces (no names) */
	struct nsp_verdict verdict;
	size_t nspills;
	struct nsp_spill *spills;
	size_t nsuppressed;
	const char *argv; /* /proc/PID/cmdline: NUL-separated, argv_len bytes */
	size_t argv_len;
	int argv_truncated; /* longer than the report keeps (64 KiB) */
	const struct nsp_nsnames *names; /* NULL: none looked up */
};

/* "exit", "signal", "request", "inspect" */
const char *nsp_trigger_name(enum nsp_trigger t);

/* ---- scan.c: the threads of pid, the verdict and the spills, without
 * causes, read through /proc/AT (a live thread of pid; 0: pid itself,
 * whose entry empties once the main thread has ended).  0, or the
 * negative errno also left in r->proc_err. */
int nsp_report_scan(struct nsp_report *r, struct nsp_arena *a, pid_t pid, pid_t at,
		    enum nsp_trigger trigger, int signo);
/* A report of pid that cannot be read (err, negative), its verdict
 * left out: err. */
int nsp_report_unreadable(struct nsp_report *r, pid_t pid, enum nsp_trigger trigger, int signo,
			  int err);
/* The same where the caller knows nknown of its threads' tids (the
 * shim's records, for a report of its own process): if they are all, the
 * threads are not listed (nsp_proc_namespaces_known). */
int nsp_report_scan_known(struct nsp_report *r, struct nsp_arena *a, pid_t pid, pid_t at,
			  enum nsp_trigger trigger, int signo, const pid_t *known, size_t nknown);
/* The same for a process whose /proc numbers it otherwise than it numbers
 * itself (a pid namespace of its own, its parent's /proc): proc_pid and at
 * are /proc's numbers, pid and the report's thread ids the process's own
 * (so they match its records and what it prints). */
int nsp_report_scan_renumbered(struct nsp_report *r, struct nsp_arena *a, pid_t pid,
			       pid_t proc_pid, pid_t at, enum nsp_trigger trigger, int signo);
/* The verdict and the spills again, from the threads the scan read, with
 * what records say (moved; NULL: nothing) to settle ties. */
int nsp_report_judge(struct nsp_report *r, struct nsp_arena *a, const struct nsp_moved *moved);
/* Threads that do not count in the vote (io_uring workers, threads
 * already ending) left out of it, asked of /proc only where the verdict
 * has spills and only as far as the answer can change it; then judged
 * again (with moved) if any was.  0 or the report's negative errno. */
int nsp_report_leave_out(struct nsp_report *r, struct nsp_arena *a, const struct nsp_moved *moved);

/* ---- explain.c: causes from whoever kept records.  Ids are the
 * source's own (0: none); a copy is taken of each record, which the source
 * may reuse meanwhile. */
struct nsp_rec_thread {
	pid_t tid, parent_tid;
	uint64_t id, parent;       /* this record, its creator's (0: not kept) */
	uint64_t cause[NSP_NKINDS]; /* the event that last set each kind */
	unsigned home; /* kinds it was born in where the process started */
	struct nsp_stack stack;    /* creation stack */
};

struct nsp_rec_event {
	int call;
	unsigned kinds;
	pid_t tid;
	uint64_t seq, owner; /* owner: the record of the thread that called */
	struct nsp_stack stack;
};

struct nsp_records {
	/* The record of live thread tid; 0, or -ESRCH if there is none. */
	int (*thread)(const struct nsp_records *src, pid_t tid, struct nsp_rec_thread *out);
	/* A record or an event by id; 0, or -ESRCH if it is gone. */
	int (*thread_at)(const struct nsp_records *src, uint64_t id, struct nsp_rec_thread *out);
	int (*event_at)(const struct nsp_records *src, uint64_t id, struct nsp_rec_event *out);
	void *ctx;
	/* Optional (NULL: not kept).  The last switches of live thread tid
	 * that changed kind, oldest first, at most cap, with from, to and the
	 * stack (NSP_SITE_DEPTH frames) where known; *dropped: earlier ones
	 * of that kind not kept.  Returns how many. */
	size_t (*path)(const struct nsp_records *src, pid_t tid, int kind, struct nsp_step *out,
		       size_t cap, size_t *dropped);
	/* The same for its failed calls (of any kind), from and to of kind. */
	size_t (*failures)(const struct nsp_records *src, pid_t tid, int kind,
			   struct nsp_step *out, size_t cap, size_t *dropped);
};

/* Settles the verdict's ties by the records (a side where no thread has a
 * recorded switch is home: see verdict.c), then fills in the cause,
 * creation and inherited_via of every spill of r, and its failed calls
 * and path (path.c). */
void nsp_report_explain(struct nsp_report *r, const struct nsp_records *src, struct nsp_arena *a);

/* ---- path.c */

/* The spill's failed calls and path from src, and the namespaces of its
 * steps that follow from what is known (see path.c). */
void nsp_explain_path(const struct nsp_report *r, struct nsp_spill *s,
		      const struct nsp_records *src, struct nsp_arena *a);

/* ---- nsname.c: names of namespaces */

/* The nsfs bind mounts of /proc/PID/mountinfo (0: this process) added to
 * n, in memory from a; 0 or a negative errno. */
int nsp_nsnames_mounts(struct nsp_nsnames *n, struct nsp_arena *a, pid_t pid);
/* The same from mountinfo text (pure, for tests and fuzzing). */
int nsp_nsnames_parse(struct nsp_nsnames *n, struct nsp_arena *a, const char *text, size_t len);
/* Namespace ino named as the one process pid (comm) lives in, unless it
 * has a name already; 0 or -ENOMEM. */
int nsp_nsnames_add_proc(struct nsp_nsnames *n, struct nsp_arena *a, uint64_t ino, pid_t pid,
			 const char *comm);
void nsp_nsnames_sort(struct nsp_nsnames *n);
/* The best name of ino, NULL if none (n may be NULL). */
const struct nsp_nsname *nsp_nsname_of(const struct nsp_nsnames *n, uint64_t ino);
/* Names for the namespaces of r's spills, from the mounts seen by r's
 * process (read through /proc/AT; 0: this process) and by this one:
 * looked up only when there are spills.  Sets r->names. */
void nsp_report_name(struct nsp_report *r, struct nsp_arena *a, pid_t at);

/* ---- json.c, text.c: the writers, one per format */

struct nsp_sym;
void nsp_write_json(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s);
void nsp_write_text(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s);
/* One report to fd as text or JSON; 0 or a negative errno. */
int nsp_write_report(int fd, const struct nsp_report *r, struct nsp_sym *s, int json);

/* ---- sink.c: where reports go */

/* 1 or 2 when log_path names a standard stream (unset: stderr), else -1. */
int nsp_log_stream(const struct nsp_options *o);
/* log_path.<pid>[.<k>]<kind>[<n>] into path (k, n 0: no number): the
 * files of the k-th process that had the pid (0: the first), of a kind
 * ("" the report, ".start", ".request" with its number n, ...).  With who
 * (not NULL, who[0] not 0), -<who[0]>-<who[1]> after the pid: a process
 * numbered in the pid namespace who[0] below the host's, whose pid others
 * elsewhere may have too, and who[1], what tells it from any other
 * process with its pid there.  0 or -ENAMETOOLONG. */
int nsp_log_name(const struct nsp_options *o, pid_t pid, const uint64_t who[2], unsigned k,
		 const char *kind, unsigned n, char *path, size_t cap);
/* The k of a process that has not reported yet: the first whose report
 * file no earlier process holds, so that a clean report never replaces
 * one of a process that had the pid before (the pid space goes round in
 * a long run); and, with other, of which other(k, ctx) says it is not
 * taken otherwise either (a marker of another process). */
unsigned nsp_log_free(const struct nsp_options *o, pid_t pid, const uint64_t who[2],
		      int (*other)(unsigned k, void *ctx), void *ctx);
/* Whether path holds a file one of our processes wrote there (a regular
 * file of our user with one link): 1 or 0. */
int nsp_log_taken(const char *path);
/* The highest K looked for. */
#define NSP_LOG_LATER_MAX 1000
/* A new file NAME.tmp.<random> in dirfd, created exclusively and never
 * through a link, its name left in tmp: the fd, or a negative errno. */
int nsp_file_create(int dirfd, const char *name, char *tmp, size_t cap);
/* r written whole to dirfd/name (under a temporary name, then renamed):
 * 0 or a negative errno. */
int nsp_report_to_file(int dirfd, const char *name, const struct nsp_report *r,
		       struct nsp_sym *s, int json);

#endif
