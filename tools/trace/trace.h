/* Tracer mode: namspill-trace runs a command under ptrace, stopped by a
 * seccomp filter only at setns, unshare and exit_group, and reports
 * spilled threads of every process in the tree like the preloaded shim. */
#ifndef NSP_TRACE_H
#define NSP_TRACE_H

#include <sys/types.h>

#include "base/options.h"
#include "base/suppress.h"
#include "report/report.h"

extern struct nsp_options trace_opt;  /* NAMSPILL_OPTIONS, then --options */
extern struct nsp_supp trace_rules;   /* of the suppressions option */

/* Exit statuses of namspill-trace itself (the command's own otherwise). */
#define NSP_TRACE_DENIED 69 /* ptrace or seccomp not permitted here */
#define NSP_TRACE_FAILED 125
#define NSP_TRACE_NOEXEC 126
#define NSP_TRACE_NOTFOUND 127

/* ---- trace_rec.c: what each traced thread did (tracer-side registry) */

struct trec;
struct nsp_remote;

struct tev { /* one successful setns/unshare */
	int call;
	unsigned kinds;
	unsigned refs; /* cause slots pointing here */
	uint64_t seq;
	pid_t tid;
	const struct trec *owner; /* compared, never followed */
	struct nsp_stack stack;
};

/* A switch in a thread's path, or a call that failed: what was read of
 * the thread's namespaces around it, per kind (0: not read). */
struct tstep {
	int call;
	unsigned kinds;
	uint64_t seq;
	int err;                   /* failed: its errno; 0: it succeeded */
	uint64_t from[NSP_NKINDS], to[NSP_NKINDS];
	int target_type;           /* failed setns: its fd's namespace, or -1 */
	uint64_t target;
	struct nsp_stack stack;
};

/* A thread's path: its last switches and failed calls, ring buffers. */
struct tpath {
	struct tstep hist[NSP_PATH_MAX], failed[NSP_FAILED_MAX];
	unsigned nhist, nfailed, nkind[NSP_NKINDS];
};

struct trec { /* one thread */
	pid_t tid, tgid, parent_tid;
	unsigned refs;        /* 1 while alive, +1 per child keeping it */
	struct trec *parent;  /* kept only while a cause flows from it */
	struct trec *next;    /* hash chain of live threads */
	struct tev *cause[NSP_NKINDS];
	struct nsp_stack stack; /* creation stack */
	/* A setns/unshare seen at entry, settled at its syscall-exit stop
	 * (its result), or at the thread's next stop from /proc. */
	int pending_call;
	unsigned pending_kinds;
	int pending_fd;                   /* setns's fd */
	uint64_t pending_ino[NSP_NKINDS]; /* namespaces before the call */
	struct nsp_stack pending_stack;
	struct tpath *path;               /* made at its first switch */
};

struct tproc { /* one process (thread group) */
	pid_t tgid;
	int reported;  /* its one report is written */
	int traced;    /* 0 for our own child until it execs the command */
	struct nsp_remote *unw; /* its stacks (tools/common/remote.c) */
	struct tproc *next;
};

struct trec *trec_find(pid_t tid);
struct trec *trec_new(pid_t tid, pid_t tgid);
void trec_gone(struct trec *t);
/* A new thread created by parent: copy the causes that flow into it. */
void trec_inherit(struct trec *child, struct trec *parent);
/* Remember a call at its entry; settle it once it has returned: from its
 * result at its syscall-exit stop, else (the stop never came) from
 * /proc at the thread's next stop. */
void trec_pending(struct trec *t, int call, unsigned kinds, int fd);
void trec_settle(struct trec *t);
void trec_settle_result(struct trec *t, long rval, int is_error);
/* After exec only the exec'ing thread remains, under the group's id. */
void trec_exec(pid_t tgid, pid_t former_tid);

struct tproc *tproc_find(pid_t tgid);
struct tproc *tproc_get(pid_t tgid);
void tproc_gone(pid_t tgid);

/* Writes the report of tgid per the options; returns the number of
 * spills not suppressed, -1 when no verdict could be taken. */
int trace_report(struct tproc *p, enum nsp_trigger trigger, int signo);

/* ---- trace_unwind.c: stacks of a stopped thread, from outside */

void trace_unwind(struct tproc *p, struct trec *t, struct nsp_stack *st, uint32_t max);
void trace_unwind_forget(struct tproc *p); /* after exec or exit */

/* ---- trace_arch.c: registers */

int trace_set_exit_status(pid_t tid, int status);

/* ---- trace_spawn.c */

/* SECCOMP_RET_DATA of the filter's stops. */
enum { STOP_SETNS = 1, STOP_UNSHARE, STOP_EXIT };

/* Forks and execs argv seized by this process; -1 with *why set. */
pid_t trace_spawn(char **argv, int *why);

/* ---- trace_loop.c */

/* Spawns argv traced; returns the wait status of the command, or -1
 * with *why set to one of the NSP_TRACE_* statuses. */
int trace_run(char **argv, int *why);
pid_t trace_root(void); /* the command's pid, once started */

#endif
