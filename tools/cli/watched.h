/* What the supervisor keeps of the tree (watch.c), and the pieces that
 * work on it: judging a process (judge.c), the keeper (keeper.c). */
#ifndef NSP_CLI_WATCHED_H
#define NSP_CLI_WATCHED_H

#include <linux/seccomp.h>

#include "../common/remote.h"
#include "base/suppress.h"
#include "watch.h"

/* A setns or unshare the supervisor saw (made without the watch key: by Go
 * or static code, or anything past the shim). */
struct wevent {
	struct wevent *next; /* of the same thread, newest first */
	int call;            /* NSP_CALL_SETNS, NSP_CALL_UNSHARE */
	unsigned kinds;
	pid_t tid;
	uint64_t seq;
	uint64_t target[NSP_NKINDS]; /* setns: the namespace entered; 0: not known */
	uint64_t before[NSP_NKINDS]; /* the thread's namespace of that kind before */
	struct nsp_stack stack;
};

struct wthread {
	pid_t tid;
	struct wevent *events;
	struct wthread *next;
};

enum wstate { W_RUNNING, W_JUDGED, W_ENDED };

struct wproc {
	pid_t pid;           /* as namspill sees it (the tree may have pid namespaces) */
	enum wstate state;
	int single;          /* judged by its count: one thread at its end */
	int reported;        /* its runtime handed over the report */
	char *report;        /* JSON, NULL while none */
	size_t report_len;
	char *argv;          /* NUL-separated, from its exec (or /proc) */
	size_t argv_len;
	char *why;           /* no report: why (set when it ended) */
	int unprivileged;    /* a set-user-ID program run without its privileges */
	int told_listener;   /* warned: its own seccomp listener is refused here */
	int dying;           /* a fatal signal's report is on its way */
	int told_trace;      /* warned: its filter's calls for a tracer are ours first */
	int ours;            /* namspill's own helper (namspill-symbolize): left out */
	int exec_seen;       /* this image's exec was stopped (its namespaces read then) */
	int switched;        /* moved a thread since: its namespaces are read at its end */
	struct wthread *threads;
	uint64_t ns[NAMSPILL_NS_COUNT]; /* what it lived in, read at its end */
	char comm[16];
	struct nsp_remote *remote;
	struct wproc *next;  /* in order of first sight */
	struct wproc *same;  /* the next older entry of the same pid bucket */
};

/* judge.c: the report of a process from /proc (read through a live
 * thread, via) and the events seen; JSON, malloc'd, *len its length.
 * execing: the thread whose exec ends the others (0: none), not spilled
 * wherever it is. */
char *judge_process(const struct wproc *p, pid_t via, enum nsp_trigger trigger, pid_t execing,
		    const struct nsp_supp *rules, size_t *len);

/* The report of a process with threads judged by what the supervisor saw
 * instead of /proc: none of its threads switched since the exec that put
 * it in p->ns, so all threads are there (watch.c says when). */
char *judge_unmoved(const struct wproc *p, size_t threads, size_t *len);

/* Names the frames of a report handed over that its process could not
 * name (no longer dumpable, its helper refused): how many it named. */
int judge_name_frames(pid_t via, struct jv *rep);

/* keeper.c: a process of its own (not namspill's child), holding a copy
 * of the listener, that answers "carry on" to everything once namspill
 * is gone, until no process of the tree is left.  pending: ids namspill
 * received and has not answered yet, in memory shared with the keeper. */
#define KEEPER_PENDING 256
struct keeper_shared {
	_Atomic uint64_t pending[KEEPER_PENDING];
};
int keeper_start(int listener, struct keeper_shared *shared, size_t notif_size,
		 size_t resp_size);


#endif
