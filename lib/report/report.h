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
};

enum nsp_trigger { NSP_TRIGGER_EXIT, NSP_TRIGGER_SIGNAL, NSP_TRIGGER_REQUEST, NSP_TRIGGER_INSPECT };

struct nsp_report {
	pid_t pid;
	pid_t at; /* /proc/AT is read: pid, or a live thread of it */
	char comm[16];
	enum nsp_trigger trigger;
	int signo;
	int proc_err; /* negative errno: /proc unreadable, no verdict */
	size_t nthreads;
	struct namspill_task *tasks; /* nthreads, their namespaces (no names) */
	struct nsp_verdict verdict;
	size_t nspills;
	struct nsp_spill *spills;
	size_t nsuppressed;
	const char *argv; /* /proc/PID/cmdline: NUL-separated, argv_len bytes */
	size_t argv_len;
	int argv_truncated; /* longer than the report keeps (64 KiB) */
};

/* "exit", "signal", "request", "inspect" */
const char *nsp_trigger_name(enum nsp_trigger t);

/* ---- scan.c: the threads of pid, the verdict and the spills, without
 * causes, read through /proc/AT (a live thread of pid; 0: pid itself,
 * whose entry empties once the main thread has ended).  0, or the
 * negative errno also left in r->proc_err. */
int nsp_report_scan(struct nsp_report *r, struct nsp_arena *a, pid_t pid, pid_t at,
		    enum nsp_trigger trigger, int signo);
/* The verdict and the spills again, from the threads the scan read, with
 * what records say (moved; NULL: nothing) to settle ties. */
int nsp_report_judge(struct nsp_report *r, struct nsp_arena *a, const struct nsp_moved *moved);

/* ---- explain.c: causes from whoever kept records.  Ids are the
 * source's own (0: none); a copy is taken of each record, which the source
 * may reuse meanwhile. */
struct nsp_rec_thread {
	pid_t tid, parent_tid;
	uint64_t id, parent;       /* this record, its creator's (0: not kept) */
	uint64_t cause[NSP_NKINDS]; /* the event that last set each kind */
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
};

/* Settles the verdict's ties by the records (a side where no thread has a
 * recorded switch is home: see verdict.c), then fills in the cause,
 * creation and inherited_via of every spill of r. */
void nsp_report_explain(struct nsp_report *r, const struct nsp_records *src, struct nsp_arena *a);

/* ---- json.c, text.c: the writers, one per format */

struct nsp_sym;
void nsp_write_json(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s);
void nsp_write_text(struct nsp_out *o, const struct nsp_report *r, struct nsp_sym *s);
/* One report to fd as text or JSON; 0 or a negative errno. */
int nsp_write_report(int fd, const struct nsp_report *r, struct nsp_sym *s, int json);

/* ---- sink.c: where reports go */

/* 1 or 2 when log_path names a standard stream (unset: stderr), else -1. */
int nsp_log_stream(const struct nsp_options *o);
/* log_path.<pid><suffix><n> into path (n 0: no number); 0 or -ENAMETOOLONG. */
int nsp_log_name(const struct nsp_options *o, pid_t pid, const char *suffix, unsigned n,
		 char *path, size_t cap);
/* A new file NAME.tmp.<random> in dirfd, created exclusively and never
 * through a link, its name left in tmp: the fd, or a negative errno. */
int nsp_file_create(int dirfd, const char *name, char *tmp, size_t cap);
/* r written whole to dirfd/name (under a temporary name, then renamed):
 * 0 or a negative errno. */
int nsp_report_to_file(int dirfd, const char *name, const struct nsp_report *r,
		       struct nsp_sym *s, int json);

#endif
