/* Thread leaks: a baseline of the threads alive, and later the threads
 * alive that were not in it.  Threads come from the one /proc reader,
 * their creation from the registry (copied, never locked), so the shim's
 * recording goes on undisturbed while a check polls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "dw/dw.h"
#include "rt/emit.h"
#include "base/arena.h"
#include "base/options.h"
#include "base/out.h"
#include "base/proc.h"
#include "base/verdict.h"
#include "report/sym.h"
#include "rt/collect.h"
#include "rt/registry.h"

#define POLL_MAX_MS 50
#define BIND_TRIES 200 /* 1 ms each */

static int same_thread(const struct nsp_tident *a, const struct nsp_tident *b)
{
	/* A thread gets its record late when it was not created through our
	 * wrapper, or loses it while it ends: an unknown seq is no evidence. */
	return a->tid == b->tid && a->start == b->start &&
	       (!a->seq || !b->seq || a->seq == b->seq);
}

static int by_tid(const void *a, const void *b)
{
	pid_t x = ((const struct nsp_tident *)a)->tid, y = ((const struct nsp_tident *)b)->tid;

	return (x > y) - (x < y);
}

void nsp_tident_sort(struct nsp_tident *t, size_t n)
{
	qsort(t, n, sizeof(*t), by_tid);
}

int nsp_tident_known(const struct namspill_threads *baseline, const struct nsp_tident *cur)
{
	const struct nsp_tident *b = bsearch(cur, baseline->t, baseline->n, sizeof(*cur), by_tid);

	return b && same_thread(b, cur);
}

/* The threads alive now: tasks[i] with identity id[i] and live record
 * rec[i] (NULL if none).  Threads that end meanwhile are left out. */
struct scan {
	size_t n;
	struct namspill_task *task;
	struct nsp_tident *id;
	const struct nsp_thread **rec;
	size_t starting; /* records of threads not yet bound to a tid */
};

static int scan(struct scan *sc, struct nsp_arena *a)
{
	pid_t at, *proc;
	struct nsp_recmap m;
	long n;

	memset(sc, 0, sizeof(*sc));
	/* Records first: a thread that starts in between has none, and its
	 * identity rests on its start time alone. */
	if (nsp_recmap_build(&m, a))
		return -ENOMEM;
	sc->starting = m.starting;
	n = nsp_proc_own_tasks(a, &sc->task, &proc, &at);
	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	sc->id = nsp_arena_alloc(a, (size_t)n * sizeof(*sc->id));
	sc->rec = nsp_arena_alloc(a, (size_t)n * sizeof(*sc->rec));
	if (!sc->id || !sc->rec)
		return -ENOMEM;
	for (long i = 0; i < n; i++) {
		struct nsp_tident *id = &sc->id[sc->n];
		const struct nsp_thread *r = nsp_recmap_find(&m, sc->task[i].tid);
		if (nsp_proc_start_time(at, proc[i], &id->start))
			continue;
		/* An ended record under a live tid is a dying thread or a
		 * reused tid: it says nothing sure about this thread. */
		if (r && r->state != NSP_T_ALIVE)
			r = NULL;
		id->tid = sc->task[i].tid;
		id->seq = r ? r->seq : 0;
		sc->rec[sc->n] = r;
		sc->task[sc->n++] = sc->task[i];
	}
	return 0;
}

/* For the verdict's ties: the types thread t has a recorded switch of. */
static unsigned recorded_types(const struct nsp_moved *m, const struct namspill_task *t)
{
	const struct scan *sc = m->ctx;
	const struct nsp_thread *rec = sc->rec[t - sc->task];
	unsigned types = 0;

	for (int type = 0; rec && type < NAMSPILL_NS_COUNT; type++)
		if (atomic_load_explicit(&rec->cause[nsp_kind_of_type(type)], memory_order_relaxed))
			types |= 1u << type;
	return types;
}

struct namspill_threads *namspill_threads_snapshot(void)
{
	struct nsp_arena a;
	struct namspill_threads *b = NULL;
	struct scan sc;
	int saved = errno, err;

	if (nsp_arena_init(&a, NSP_API_ARENA))
		return NULL;
	err = scan(&sc, &a);
	if (!err) {
		b = malloc(sizeof(*b) + sc.n * sizeof(b->t[0]));
		err = b ? 0 : -ENOMEM;
	}
	if (b) {
		b->n = sc.n;
		memcpy(b->t, sc.id, sc.n * sizeof(b->t[0]));
		nsp_tident_sort(b->t, b->n);
	}
	nsp_arena_fini(&a);
	errno = err ? -err : saved;
	return b;
}

void namspill_threads_free(struct namspill_threads *baseline)
{
	int saved = errno;

	free(baseline);
	errno = saved;
}

/* Function names for ignore patterns.  The symbolizer is opened once per
 * check, on first need, and kept across polls. */
struct namer {
	struct nsp_arena a;
	struct nsp_sym *s;
};

static struct nsp_sym *namer_sym(struct namer *nm)
{
	if (!nm->s && (nm->a.base || !nsp_arena_init(&nm->a, NSP_API_ARENA)))
		nm->s = nsp_sym_open_dw(&nm->a, 0);
	return nm->s;
}

static void names_of(struct nsp_leak_names *ln, const struct nsp_thread *r,
		     struct nsp_sym *s, struct nsp_arena *a)
{
	const char **all = nsp_arena_alloc(a, NSP_MAX_DEPTH * NSP_MAX_INLINE * sizeof(*all));
	struct nsp_frame f[NSP_MAX_INLINE];

	if (r->start) {
		nsp_sym_entry(s, (uintptr_t)r->start, f);
		ln->top = f[0].function;
	}
	if (!all)
		return;
	for (uint32_t i = 0; i < r->stack.depth; i++) {
		int k = nsp_sym_frames(s, r->stack.ip[i], f, NSP_MAX_INLINE);
		for (int j = 0; j < k; j++)
			if (f[j].function)
				all[ln->nstack++] = f[j].function;
		if (i == 0)
			ln->ncreator = ln->nstack;
	}
	ln->creator = all;
	ln->stack = all;
}

static enum nsp_ignored ignored(const struct namspill_ignore *ig, pid_t tid,
				const struct nsp_thread *r, struct namer *nm,
				struct nsp_arena *a)
{
	struct nsp_leak_names ln = { .tid = tid };
	struct nsp_sym *s;

	if (nsp_ignore_tid(ig, tid))
		return NSP_IGN_TID;
	if (!r || !nsp_ignore_wants_names(ig) || !(s = namer_sym(nm)))
		return NSP_IGN_NONE;
	names_of(&ln, r, s, a);
	return nsp_ignore_match(ig, &ln);
}

/* *unbound: leaked threads without a record while some record waits for
 * its thread to start; they may be the same. */
static int find_leaks(struct nsp_leaks *l, const struct namspill_threads *base,
		      const struct namspill_ignore *ig, struct namer *nm, struct nsp_arena *a,
		      size_t *unbound)
{
	pid_t me = gettid();
	struct scan sc;
	const struct nsp_moved moved = { recorded_types, &sc, NULL };
	void *work;
	int err = scan(&sc, a);

	memset(l, 0, sizeof(*l));
	*unbound = 0;
	if (err)
		return err;
	l->pid = getpid();
	l->nthreads = sc.n;
	l->v = nsp_arena_alloc(a, sc.n * sizeof(*l->v));
	work = nsp_arena_alloc(a, nsp_majority_work(sc.n));
	if (!l->v || !work)
		return -ENOMEM;
	nsp_majority(sc.task, sc.n, l->pid, &moved, &l->verdict, work);
	for (size_t i = 0; i < sc.n; i++) {
		if (sc.id[i].tid == me || nsp_tident_known(base, &sc.id[i]))
			continue;
		if (ignored(ig, sc.id[i].tid, sc.rec[i], nm, a)) {
			l->nignored++;
			continue;
		}
		if (!sc.rec[i] && sc.starting)
			(*unbound)++;
		l->v[l->n].task = sc.task[i];
		l->v[l->n++].rec = sc.rec[i];
	}
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL); /* a signal only makes the next poll earlier */
}

static int write_leaks(int fd, const struct nsp_leaks *l, struct namer *nm)
{
	struct nsp_out o;

	nsp_out_init(&o, fd);
	nsp_write_leaks(&o, l, namer_sym(nm));
	return nsp_out_flush(&o);
}

/* Polls like an "eventually" matcher: threads that are ending get until
 * the deadline to be gone, with waits growing from 1 ms to POLL_MAX_MS. */
int namspill_threads_leaked(const struct namspill_threads *baseline,
			    const struct namspill_ignore *ignore, int timeout_ms, int fd)
{
	struct namer nm = { { 0 }, NULL };
	struct nsp_arena a;
	struct nsp_leaks l;
	int saved = errno, rc, binding = 0;
	size_t unbound;
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0), wait = 1, left;

	if (!baseline)
		return -EINVAL;
	if (nsp_arena_init(&a, NSP_API_ARENA))
		return -ENOMEM;
	for (;;) {
		a.used = 0; /* the previous poll's scan is not needed any more */
		rc = find_leaks(&l, baseline, ignore, &nm, &a, &unbound);
		if (rc || !l.n)
			break;
		/* A thread just created runs for a moment before our
		 * trampoline binds its record: without it there is no
		 * creation stack to report or to match ignores against. */
		if (unbound && binding++ < BIND_TRIES) {
			sleep_ms(1);
			continue;
		}
		if ((left = deadline - now_ms()) <= 0)
			break;
		sleep_ms(wait < left ? wait : left);
		wait = wait * 2 < POLL_MAX_MS ? wait * 2 : POLL_MAX_MS;
	}
	if (!rc) {
		rc = (int)l.n;
		if (l.n && fd >= 0) {
			int w = write_leaks(fd, &l, &nm);
			rc = w ? w : rc;
		}
	}
	nsp_sym_close(nm.s);
	nsp_arena_fini(&nm.a);
	nsp_arena_fini(&a);
	errno = saved;
	return rc;
}
