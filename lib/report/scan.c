/* The scan of a report: every thread's namespaces from /proc, the
 * verdict, and the list of spills, without causes (explain.c adds them).
 * Uses only the arena, so it runs at exit and in a signal handler alike,
 * inside the program or in the tracer. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/helpers.h"
#include "base/proc.h"
#include "base/sort.h"
#include "report/report.h"

#define MAX_ARGV ((size_t)64 << 10) /* of the command line, for the report */

const char *nsp_trigger_name(enum nsp_trigger t)
{
	static const char *const names[] = { "exit", "signal", "request", "inspect" };

	return (unsigned)t < NSP_ARRAY_LEN(names) ? names[t] : "?";
}

/* One byte more than is kept tells a cut command line from one that fits. */
static void read_argv(struct nsp_report *r, pid_t at, struct nsp_arena *a)
{
	size_t avail;
	char *buf = nsp_arena_rest(a, &avail);
	ssize_t n = buf ? nsp_proc_read(at, "cmdline", buf,
					avail < MAX_ARGV + 1 ? avail : MAX_ARGV + 1) : -1;

	if (n > 0) {
		r->argv_truncated = (size_t)n > MAX_ARGV;
		r->argv_len = r->argv_truncated ? MAX_ARGV : (size_t)n;
		r->argv = buf;
		nsp_arena_keep(a, r->argv_len);
	}
}

/* Tasks listed among the process's threads that do not count in the
 * vote, by the flags of /proc/PID/task/TID/stat (field 9):
 * PF_IO_WORKER, a kernel thread of io_uring (iou-sqp-*, iou-wrk-*),
 * never running the process's code, so never spilled; PF_EXITING, a
 * thread already ending (one that pthread_join has just returned for is
 * still listed, in its namespaces, for a moment after).  1 if tid is one. */
#define PF_EXITING 0x4
#define PF_IO_WORKER 0x10

/* 1 if tid is left out (also when it has ended since its namespaces
 * were read); its name, read on the way, into comm.  Raw system calls
 * only: it runs on helper threads. */
static int left_out(int taskfd, pid_t tid, char comm[16])
{
	char buf[512];
	ssize_t n = nsp_proc_read_in(taskfd, tid, "stat", buf, sizeof(buf));
	uint64_t flags;

	if (n == -ENOENT || n == -ESRCH)
		return 1; /* ended since it was read: no thread of the process now */
	if (n <= 0)
		return 0;
	nsp_stat_comm(buf, (size_t)n, comm);
	return !nsp_stat_num(buf, (size_t)n, 9, &flags) && (flags & (PF_IO_WORKER | PF_EXITING));
}

static int by_own(const void *a, const void *b)
{
	pid_t x = ((const struct nsp_tidpair *)a)->own, y = ((const struct nsp_tidpair *)b)->own;

	return (x > y) - (x < y);
}

/* The number /proc gives the thread the report numbers tid. */
static pid_t proc_tid(const struct nsp_report *r, pid_t tid)
{
	size_t lo = 0, hi = r->nrenumbered;

	if (!r->renumbered)
		return tid;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r->renumbered[mid].own == tid)
			return r->renumbered[mid].proc;
		if (r->renumbered[mid].own < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

struct asking {
	const struct nsp_report *r;
	struct nsp_arena *a;
	int taskfd;
	struct namspill_task *t;
	const size_t *idx;
	size_t k;
	unsigned char *left;
};

static void ask_part(void *arg, int part, int parts)
{
	const struct asking *q = arg;
	size_t lo = q->k * (size_t)part / (size_t)parts, hi = q->k * (size_t)(part + 1) / (size_t)parts;

	for (size_t j = lo; j < hi; j++) {
		struct namspill_task *x = &q->t[q->idx[j]];
		q->left[j] = (unsigned char)left_out(q->taskfd, proc_tid(q->r, x->tid), x->comm);
	}
}

/* One stat read a thread, shared among helpers when there are many. */
static void ask_left_out(void *ctx, struct namspill_task *t, const size_t *idx, size_t k,
			 unsigned char *left)
{
	struct asking *q = ctx;

	memset(left, 0, k);
	if (q->taskfd < 0)
		return; /* unreadable: every thread counts, as read */
	q->t = t;
	q->idx = idx;
	q->left = left;
	q->k = k;
	nsp_run_parts(q->a, nsp_parts(k, 128), ask_part, q);
}

/* The threads /proc listed, numbered as the process numbers them (the
 * last of each one's NSpid); those that ended meanwhile are left out.
 * The pairs are kept for the reads by tid that follow. */
static long renumber(struct nsp_report *r, struct nsp_arena *a, size_t n)
{
	struct nsp_tidpair *m = nsp_arena_alloc(a, n * sizeof(*m));
	size_t k = 0;

	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		pid_t own = nsp_proc_own_tid(r->at, r->tasks[i].tid);
		if (!own || nsp_proc_hidden(own))
			continue; /* ended meanwhile, or a task of ours */
		m[k].own = own;
		m[k].proc = r->tasks[i].tid;
		r->tasks[k] = r->tasks[i];
		r->tasks[k++].tid = own;
	}
	nsp_sort(m, k, sizeof(*m), by_own);
	r->renumbered = m;
	r->nrenumbered = k;
	return (long)k;
}

static int judge(struct nsp_report *r, struct nsp_arena *a, const struct nsp_moved *moved,
		 int names);

static int scan(struct nsp_report *r, struct nsp_arena *a, pid_t pid, pid_t proc_pid, pid_t at,
		enum nsp_trigger trigger, int signo, const pid_t *known, size_t nknown)
{
	long n;
	int e;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->at = at = at ? at : proc_pid;
	r->trigger = trigger;
	r->signo = signo;
	nsp_proc_comm(at, proc_pid, r->comm);
	read_argv(r, at, a);
	n = nsp_proc_namespaces_known(at, a, &r->tasks, &r->read_how, known, nknown);
	if (n > 0 && pid != proc_pid)
		n = renumber(r, a, (size_t)n);
	if (n <= 0) {
		r->proc_err = n < 0 ? (int)n : -ESRCH;
		return r->proc_err;
	}
	r->nthreads = (size_t)n;
	/* Room for the worst case; untouched pages of the arena cost nothing. */
	r->spills = nsp_arena_alloc(a, (size_t)n * NAMSPILL_NS_COUNT * sizeof(*r->spills));
	if (!r->spills)
		return r->proc_err = -ENOMEM;
	/* The spills' names come from the leave-out's reads. */
	if ((e = judge(r, a, NULL, 0)))
		return e;
	return nsp_report_leave_out(r, a, NULL);
}

int nsp_report_unreadable(struct nsp_report *r, pid_t pid, enum nsp_trigger trigger, int signo,
			  int err)
{
	memset(r, 0, sizeof(*r));
	r->pid = r->at = pid;
	r->trigger = trigger;
	r->signo = signo;
	return r->proc_err = err;
}

int nsp_report_scan(struct nsp_report *r, struct nsp_arena *a, pid_t pid, pid_t at,
		    enum nsp_trigger trigger, int signo)
{
	return scan(r, a, pid, pid, at, trigger, signo, NULL, 0);
}

int nsp_report_scan_known(struct nsp_report *r, struct nsp_arena *a, pid_t pid, pid_t at,
			  enum nsp_trigger trigger, int signo, const pid_t *known, size_t nknown)
{
	return scan(r, a, pid, pid, at, trigger, signo, known, nknown);
}

int nsp_report_scan_renumbered(struct nsp_report *r, struct nsp_arena *a, pid_t pid,
			       pid_t proc_pid, pid_t at, enum nsp_trigger trigger, int signo)
{
	return scan(r, a, pid, proc_pid, at, trigger, signo, NULL, 0);
}

/* Names of the spilled threads: what the leave-out's reads found (spills
 * come in the order of the threads), else one /proc read each. */
static void name_spills(struct nsp_report *r)
{
	size_t i = 0;

	for (size_t j = 0; j < r->nspills; j++) {
		struct nsp_spill *s = &r->spills[j];
		if (s->comm[0])
			continue;
		if (j && s[-1].tid == s->tid) {
			memcpy(s->comm, s[-1].comm, sizeof(s->comm));
			continue;
		}
		while (i < r->nthreads && r->tasks[i].tid != s->tid)
			i++;
		if (i < r->nthreads && r->tasks[i].comm[0])
			memcpy(s->comm, r->tasks[i].comm, sizeof(s->comm));
		else
			nsp_proc_comm(r->at, proc_tid(r, s->tid), s->comm);
		if (i == r->nthreads)
			i = 0; /* not found: the next is looked for from the start */
	}
}

/* The verdict and the spills; their names too with names. */
static int judge(struct nsp_report *r, struct nsp_arena *a, const struct nsp_moved *moved,
		 int names)
{
	const struct namspill_task *t = r->tasks;
	void *work = nsp_arena_alloc(a, nsp_majority_work(r->nthreads));
	struct nsp_verdict v;

	if (!work)
		return r->proc_err = -ENOMEM;
	/* Into a copy: the records asked may read the verdict they are
	 * asked to change (the supervisor's say where a thread is by it). */
	nsp_majority(t, r->nthreads, r->pid, moved, &v, work);
	r->verdict = v;
	r->nspills = 0;
	for (size_t i = 0; i < r->nthreads; i++) {
		for (int type = 0; type < NAMSPILL_NS_COUNT; type++) {
			struct nsp_spill *s = &r->spills[r->nspills];
			if (!nsp_spilled(&t[i], &r->verdict, type))
				continue;
			memset(s, 0, sizeof(*s));
			s->tid = t[i].tid;
			s->type = type;
			s->ns = t[i].ns[type];
			r->nspills++;
		}
	}
	if (names)
		name_spills(r);
	if (!r->names) /* once: what mountinfo names does not change with the verdict */
		nsp_report_name(r, a, r->at);
	return 0;
}

int nsp_report_judge(struct nsp_report *r, struct nsp_arena *a, const struct nsp_moved *moved)
{
	return judge(r, a, moved, 1);
}

int nsp_report_leave_out(struct nsp_report *r, struct nsp_arena *a, const struct nsp_moved *moved)
{
	struct asking q = { r, a, -1, NULL, NULL, 0, NULL };
	void *work;
	size_t k;

	/* Asked only when the verdict found spills: a uniform process needs
	 * no more reads. */
	if (r->proc_err || !r->nspills)
		return r->proc_err;
	if (!(work = nsp_arena_alloc(a, nsp_leave_out_work(r->nthreads))))
		return r->proc_err = -ENOMEM;
	q.taskfd = nsp_proc_task_dir(r->at);
	k = nsp_leave_out(r->tasks, r->nthreads, &r->verdict, ask_left_out, &q, work);
	if (q.taskfd >= 0)
		close(q.taskfd);
	if (k == r->nthreads) {
		name_spills(r);
		return 0;
	}
	r->nthreads = k;
	return judge(r, a, moved, 1);
}
