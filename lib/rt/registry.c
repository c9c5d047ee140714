/* Per-thread records of namespace switches and thread creation.
 *
 * A thread's record points, for each namespace kind, at the event (the
 * setns/unshare call with its stack) that last set that kind for it.  A new
 * thread starts with its creator's pointers, so a thread born while its
 * creator sat in a foreign namespace carries the creator's call as its
 * cause.  Events and records are reference counted and go back to their
 * pools when nothing points at them, so memory stays bounded however many
 * threads come and go.  Only the owning thread writes its record (its
 * creator, before it runs); reporters copy records and validate the copy. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/nstype.h"
#include "base/pool.h"
#include "base/proc.h"
#include "rt/home.h"
#include "rt/registry.h"
#include "rt/rt.h"
#include "rt/signals.h"
#include "rt/unwind.h"

NSP_POOL_CHUNKS_OF(nsp_threads);
struct nsp_pool nsp_threads = NSP_POOL_INIT(struct nsp_thread, nsp_threads);
NSP_POOL_CHUNKS_OF(nsp_events);
struct nsp_pool nsp_events = NSP_POOL_INIT(struct nsp_event, nsp_events);
NSP_POOL_CHUNKS_OF(nsp_hists);
struct nsp_pool nsp_hists = NSP_POOL_INIT(struct nsp_hist, nsp_hists);
NSP_POOL_CHUNKS_OF(nsp_paths);
struct nsp_pool nsp_paths = NSP_POOL_INIT(struct nsp_path, nsp_paths);

/* A thread's record outlives the thread by NSP_QUARANTINE later ends on
 * its CPU's ring.  The record is let go in the thread's cleanup, before
 * the kernel thread is gone (the program's thread-specific data
 * destructors run after it, and may block); a report that sees the thread
 * in /proc in that moment must still find what it did, and where it was
 * created (a suppression may name its creation stack).  One ring per CPU
 * (modulo NSP_RINGS): threads ending on different CPUs write no line in
 * common, where one shared ring cost two cache misses per thread end.
 * Records of threads that never switched, inherited no switch and failed
 * no call (held 0), the main thread's aside, wait NSP_QUIET later such
 * ends on rings of their own: short threads then reuse a few records, in
 * cache, where going round thousands cost the creating thread cold lines
 * and pushed its other data out.  Costs at most NSP_RINGS *
 * (NSP_QUARANTINE + NSP_QUIET) records, ever (only the rings of CPUs
 * where threads ended fill). */
#define NSP_RINGS 4
#define NSP_QUARANTINE 1024
#define NSP_QUIET 16

/* While a report is being taken, nothing is given back: a record or event
 * the report copied stays what it was until the report has read it.  What
 * is kept then is let go never; only reports pay for it. */
_Atomic int nsp_reporting;

static __thread struct nsp_thread *self NSP_TLS;
_Static_assert(offsetof(struct nsp_thread, unused) + sizeof(unsigned short) == NSP_CACHE_LINE,
	       "a thread's start and end, and a release of a record that held nothing, read "
	       "and write its first 64 bytes");
_Static_assert(sizeof(struct nsp_thread) % NSP_CACHE_LINE == 0,
	       "records start at a line: set pad_to_line");

struct ring {
	_Alignas(NSP_CACHE_LINE) _Atomic uint32_t pos;
	_Alignas(NSP_CACHE_LINE) _Atomic nsp_ref slot[NSP_QUARANTINE];
};
struct quiet_ring {
	_Alignas(NSP_CACHE_LINE) _Atomic uint32_t pos;
	_Alignas(NSP_CACHE_LINE) _Atomic nsp_ref slot[NSP_QUIET];
};
NSP_BIG_BSS static struct ring quarantine[NSP_RINGS];
NSP_BIG_BSS static struct quiet_ring quiet[NSP_RINGS];
static NSP_OWN_LINE(_Atomic uint64_t, seq_counter); /* written at each thread start */
static pthread_key_t end_key;
static _Atomic int end_key_state; /* 0 none, 1 creating, 2 ready */

static uint64_t next_seq(void)
{
	return atomic_fetch_add_explicit(&seq_counter.v, 1, memory_order_relaxed) + 1;
}

/* Each thread keeps the last event it let go of as its next one: a switch
 * then touches no shared free list.  A signal handler switching inside
 * nsp_record_switch_at (recording) leaves the spare alone, and so do threads
 * that share their thread pointer (raw clone). */
static __thread uint32_t spare NSP_TLS;
static __thread int recording NSP_TLS;

/* own: the caller may keep the event as its spare. */
static void event_release(nsp_ref r, int own)
{
	uint32_t idx = NSP_REF_IDX(r);
	struct nsp_event *e;

	if (!r)
		return;
	e = nsp_pool_at(&nsp_events, idx);
	/* The last holder needs no atomic decrement: nobody else holds a
	 * reference to drop, and only holders take new ones. */
	if (atomic_load_explicit(&e->refs, memory_order_acquire) == 1)
		atomic_store_explicit(&e->refs, 0, memory_order_relaxed);
	else if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (own && !spare)
		spare = idx; /* stays marked in use: stale references still find it whole */
	else
		nsp_pool_put(&nsp_events, idx);
}

/* An event to fill, and the reference it will have once filled. */
static struct nsp_event *event_take(int own, nsp_ref *ref)
{
	uint32_t idx = own ? spare : 0, gen;
	struct nsp_event *e;

	if (idx) {
		spare = 0;
		e = nsp_pool_at(&nsp_events, idx);
		/* Even while it is rewritten, so a stale copy fails. */
		gen = atomic_load_explicit(&e->obj.gen, memory_order_relaxed) + 2;
		atomic_store_explicit(&e->obj.gen, gen - 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
	} else {
		if (!(idx = nsp_pool_get(&nsp_events)))
			return NULL;
		e = nsp_pool_at(&nsp_events, idx);
		gen = atomic_load_explicit(&e->obj.gen, memory_order_relaxed);
	}
	*ref = NSP_REF(idx, gen);
	return e;
}

static void event_acquire(nsp_ref r)
{
	struct nsp_event *e;

	if (r) {
		e = nsp_pool_at(&nsp_events, NSP_REF_IDX(r));
		atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
	}
}

/* ---- a thread's path: its last switches and failed calls */

/* The thread's path, made at its first use; NULL if the pool is full. */
static struct nsp_path *path_of(struct nsp_thread *t)
{
	nsp_ref r = atomic_load_explicit(&t->path, memory_order_relaxed);
	struct nsp_path *p;
	uint32_t idx;

	if (r)
		return nsp_pool_obj(&nsp_paths, NSP_REF_IDX(r));
	if (!(idx = nsp_pool_get(&nsp_paths)))
		return NULL;
	atomic_store_explicit(&t->held, 1, memory_order_relaxed);
	p = nsp_pool_at(&nsp_paths, idx);
	atomic_store_explicit(&p->nhist, 0, memory_order_relaxed);
	atomic_store_explicit(&p->nfailed, 0, memory_order_relaxed);
	memset(p->nkind, 0, sizeof(p->nkind));
	for (int i = 0; i < NSP_HISTORY; i++)
		atomic_store_explicit(&p->hist[i], 0, memory_order_relaxed);
	for (int i = 0; i < NSP_FAILED_MAX; i++)
		atomic_store_explicit(&p->failed[i], 0, memory_order_relaxed);
	atomic_store_explicit(&t->path,
			      NSP_REF(idx, atomic_load_explicit(&p->obj.gen, memory_order_relaxed)),
			      memory_order_release);
	return p;
}

/* What a released record held of its path goes back, as its causes do (a
 * report that still copies it sees new generations). */
static void path_release(struct nsp_thread *t)
{
	nsp_ref r = atomic_exchange_explicit(&t->path, 0, memory_order_relaxed);
	struct nsp_path *p;

	if (!r)
		return;
	p = nsp_pool_at(&nsp_paths, NSP_REF_IDX(r));
	for (int i = 0; i < NSP_HISTORY; i++) {
		nsp_ref h = atomic_exchange_explicit(&p->hist[i], 0, memory_order_relaxed);
		if (h)
			nsp_pool_put(&nsp_hists, NSP_REF_IDX(h));
	}
	for (int i = 0; i < NSP_FAILED_MAX; i++)
		event_release(atomic_exchange_explicit(&p->failed[i], 0, memory_order_relaxed), 0);
	nsp_pool_put(&nsp_paths, NSP_REF_IDX(r));
}

static void thread_release(nsp_ref r)
{
	while (r) {
		uint32_t idx = NSP_REF_IDX(r);
		struct nsp_thread *t = nsp_pool_at(&nsp_threads, idx);
		nsp_ref parent;

		/* The last holder needs no atomic decrement (see event_release). */
		if (atomic_load_explicit(&t->refs, memory_order_acquire) == 1)
			atomic_store_explicit(&t->refs, 0, memory_order_relaxed);
		else if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
			return;
		/* Nobody writes a record's slots once it is released. */
		parent = 0;
		if (atomic_load_explicit(&t->held, memory_order_acquire)) {
			parent = t->parent; /* set only with an inherited cause */
			for (int k = 0; k < NSP_NKINDS; k++) {
				nsp_ref c = atomic_load_explicit(&t->cause[k], memory_order_acquire);
				if (c) {
					atomic_store_explicit(&t->cause[k], 0, memory_order_relaxed);
					event_release(c, 0);
				}
			}
			path_release(t);
			atomic_store_explicit(&t->held, 0, memory_order_relaxed);
		}
		nsp_pool_put(&nsp_threads, idx);
		r = parent; /* drop the hold on the creator, iteratively */
	}
}

/* A record to fill, in state; NULL if the pool is full. */
static struct nsp_thread *thread_alloc(int state)
{
	uint32_t idx = nsp_pool_get(&nsp_threads);
	struct nsp_thread *t;

	if (!idx)
		return NULL;
	t = nsp_pool_at(&nsp_threads, idx);
	t->me = NSP_REF(idx, atomic_load_explicit(&t->obj.gen, memory_order_relaxed));
	atomic_store_explicit(&t->refs, 1, memory_order_relaxed);
	atomic_store_explicit(&t->state, state, memory_order_relaxed);
	t->tid = 0;
	t->borrowed = 0;
	t->main = 0;
	t->parent_tid = 0;
	t->parent = 0;
	t->before = 0;
	t->home = 0;
	t->seq = next_seq();
	/* cause[] and path are 0 already: see held. */
	t->start = NULL;
	t->arg = NULL;
	t->stack.depth = 0;
	return t;
}

/* The record a creating thread took for its next creation, after its
 * last one: taking it from the pool means moving the pool's head and the
 * record's first line from the CPU where the last thread ended, which is
 * best done while the new thread starts on that CPU, not before the
 * creation.  A thread holds one such record from its second creation
 * until it ends (one that creates a single thread, none); none is taken
 * once it ended (a creation from a later destructor). */
static __thread struct nsp_thread *ahead NSP_TLS;
static __thread int creations NSP_TLS; /* -1 once the thread ended */
static __thread nsp_ref ended NSP_TLS;  /* the record it ended with */

void nsp_thread_created(void)
{
	struct nsp_thread *t, *none = NULL;

	if (ahead || creations < 0 || (creations < 2 && ++creations < 2) ||
	    atomic_load_explicit(&nsp_shared_tls, memory_order_relaxed) ||
	    !(t = thread_alloc(NSP_T_SPARE)))
		return;
	/* A signal handler may have created a thread, and taken one, since. */
	if (!__atomic_compare_exchange_n(&ahead, &none, t, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		thread_release(t->me);
}

/* Exchanged: a signal handler that creates a thread in the middle of a
 * creation (not async-signal-safe, but done) takes another record. */
static struct nsp_thread *take_ahead(void)
{
	struct nsp_thread *t = __atomic_exchange_n(&ahead, NULL, __ATOMIC_RELAXED);

	if (!t)
		return thread_alloc(NSP_T_NEW);
	t->seq = next_seq();
	atomic_store_explicit(&t->state, NSP_T_NEW, memory_order_relaxed);
	return t;
}

static void end_key_dtor(void *p)
{
	(void)p;
	nsp_thread_end();
}

/* Threads we did not create (pools started before us, raw clone, the main
 * thread) get a record on first use; a TSD destructor notices their end.
 * Keys below 32 live in the thread descriptor, so no allocation here. */
static void watch_end(struct nsp_thread *t)
{
	int st = atomic_load(&end_key_state), zero = 0;

	if (st == 0 && atomic_compare_exchange_strong(&end_key_state, &zero, 1)) {
		st = pthread_key_create(&end_key, end_key_dtor) == 0 ? 2 : -1;
		atomic_store(&end_key_state, st);
	}
	if (st == 2)
		pthread_setspecific(end_key, t);
}

/* A thread made by clone() without CLONE_SETTLS runs on its creator's
 * thread pointer, so `self` is the creator's record there.  Once such a
 * clone was seen, records are checked against the kernel's tid (a syscall
 * the common case does not pay), and those threads get records of their
 * own, found by tid.  Their end goes unnoticed: each keeps one record. */
_Atomic int nsp_shared_tls;

static struct nsp_thread *find_borrowed(pid_t tid)
{
	uint32_t high = nsp_pool_high(&nsp_threads);
	struct nsp_thread *t;

	for (uint32_t i = 1; i <= high; i++) {
		t = nsp_pool_at(&nsp_threads, i);
		if (t && (atomic_load(&t->obj.gen) & 1) && t->tid == tid && t->borrowed &&
		    atomic_load(&t->state) == NSP_T_ALIVE)
			return t;
	}
	return NULL;
}

static struct nsp_thread *borrowed_self(pid_t tid)
{
	struct nsp_thread *t = find_borrowed(tid);

	if (t)
		return t;
	t = thread_alloc(NSP_T_NEW);
	if (!t)
		return NULL;
	t->tid = tid;
	t->borrowed = 1;
	atomic_store_explicit(&t->state, NSP_T_ALIVE, memory_order_release);
	return t;
}

struct nsp_thread *nsp_self(void)
{
	struct nsp_thread *t = self;
	pid_t tid;

	if (t && !atomic_load_explicit(&nsp_shared_tls, memory_order_relaxed))
		return t;
	tid = gettid();
	if (t && t->tid == tid)
		return t;
	if (t)
		return borrowed_self(tid);
	t = thread_alloc(NSP_T_NEW);
	if (!t)
		return NULL;
	t->tid = tid;
	/* The main thread started where the process did; a thread we did
	 * not see created may have started anywhere. */
	t->main = tid == getpid();
	t->home = t->main ? ~0u : 0;
	t->before = ended;
	atomic_store_explicit(&t->state, NSP_T_ALIVE, memory_order_release);
	self = t;
	if (t->tid != getpid())
		watch_end(t);
	return t;
}

/* The namespace of an nsfs fd (fd of /proc/PID/ns/TYPE or of a bind
 * mount of one): its inode, or 0 if fd is not one (a pidfd, a file).
 * The one nsfs device is learnt from the first namespace read. */
static _Atomic uint64_t nsfs_dev;

static uint64_t nsfd_ino(int fd)
{
	struct stat st, ns;
	uint64_t dev = atomic_load_explicit(&nsfs_dev, memory_order_relaxed);
	int f;

	if (!dev && (f = nsp_proc_open("thread-self/ns/net", O_RDONLY)) >= 0) {
		if (fstat(f, &ns) == 0)
			atomic_store_explicit(&nsfs_dev, dev = (uint64_t)ns.st_dev,
					      memory_order_relaxed);
		close(f);
	}
	if (fd < 0 || !dev || fstat(fd, &st) || (uint64_t)st.st_dev != dev)
		return 0;
	return (uint64_t)st.st_ino;
}

static uint64_t own_ns(int kind)
{
	uint64_t ino = 0;

	return nsp_proc_thread_ns(nsp_type_of_kind(kind), &ino) ? 0 : ino;
}

/* history_ns: the namespaces a switch led to, of its first kinds: the
 * fd's for a setns of one kind on a namespace fd, else read from /proc.
 * A system call or more per switch, so only when asked for. */
static void led_to(uint64_t to[NSP_HIST_TO], int call, unsigned kinds, int fd)
{
	int n = 0;

	if (call == NSP_CALL_SETNS && !(kinds & (kinds - 1)) && (to[0] = nsfd_ino(fd)))
		return;
	for (int k = 0; k < NSP_NKINDS && n < NSP_HIST_TO; k++)
		if (kinds & (1u << k))
			to[n++] = own_ns(k);
}

/* Appends the switch e to t's path: the slot of its n-th switch, whose
 * object it rewrites in place once the ring has gone round (a report
 * that copies it meanwhile sees a new generation and drops that step). */
static void hist_push(struct nsp_path *p, const struct nsp_event *e, int fd)
{
	uint32_t n = atomic_load_explicit(&p->nhist, memory_order_relaxed), idx, gen;
	_Atomic nsp_ref *slot = &p->hist[n % NSP_HISTORY];
	nsp_ref old = atomic_load_explicit(slot, memory_order_relaxed);
	struct nsp_hist *h;

	if (old) {
		idx = NSP_REF_IDX(old);
		h = nsp_pool_obj(&nsp_hists, idx);
		gen = atomic_load_explicit(&h->obj.gen, memory_order_relaxed) + 2;
		atomic_store_explicit(&h->obj.gen, gen - 1, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
	} else {
		if (!(idx = nsp_pool_get(&nsp_hists)))
			return;
		h = nsp_pool_at(&nsp_hists, idx);
		gen = atomic_load_explicit(&h->obj.gen, memory_order_relaxed);
	}
	h->call = e->call;
	h->kinds = e->kinds;
	h->seq = e->seq;
	h->depth = e->stack.depth < NSP_SITE_DEPTH ? e->stack.depth : NSP_SITE_DEPTH;
	/* Whole, whatever the depth: fixed moves, no calls. */
	for (int i = 0; i < NSP_SITE_DEPTH; i++)
		h->ip[i] = e->stack.ip[i];
	for (int i = 0; i < NSP_HIST_TO; i++)
		h->to[i] = 0;
	if (nsp_opt.history_ns)
		led_to(h->to, e->call, e->kinds, fd);
	atomic_store_explicit(&h->obj.gen, gen, memory_order_release);
	atomic_store_explicit(slot, NSP_REF(idx, gen), memory_order_release);
	atomic_store_explicit(&p->nhist, n + 1, memory_order_relaxed);
}

unsigned nsp_self_kinds(void)
{
	struct nsp_thread *t = self;
	unsigned kinds = 0;

	/* With clones about that share their creator's thread pointer,
	 * `self` may be another thread's: the record of this tid, if any. */
	if (atomic_load_explicit(&nsp_shared_tls, memory_order_relaxed)) {
		pid_t tid = gettid();
		if (!t || t->tid != tid)
			t = find_borrowed(tid);
	}
	if (!t)
		return 0;
	for (int k = 0; k < NSP_NKINDS; k++)
		if (atomic_load_explicit(&t->cause[k], memory_order_relaxed))
			kinds |= 1u << k;
	return kinds;
}

pid_t nsp_thread_unmoved(unsigned kinds, uint32_t *pos)
{
	uint32_t high = nsp_pool_high(&nsp_threads);
	struct nsp_thread t;

	while (++*pos <= high) {
		unsigned moved = 0;
		if (nsp_pool_copy(&nsp_threads, *pos, 0, &t) || t.state != NSP_T_ALIVE || t.tid <= 0)
			continue;
		for (int k = 0; k < NSP_NKINDS; k++)
			if (atomic_load_explicit(&t.cause[k], memory_order_relaxed))
				moved |= 1u << k;
		if (!(moved & kinds))
			return t.tid;
	}
	return 0;
}

size_t nsp_thread_tids(pid_t *out, size_t cap)
{
	uint32_t high = nsp_pool_high(&nsp_threads);
	struct nsp_thread t;
	size_t n = 0;

	for (uint32_t pos = 1; pos <= high; pos++) {
		if (nsp_pool_copy(&nsp_threads, pos, 0, &t) || t.state != NSP_T_ALIVE || t.tid <= 0)
			continue;
		if (n == cap)
			return cap + 1;
		out[n++] = t.tid;
	}
	return n;
}

void nsp_record_switch_at(int call, unsigned kinds, int fd, const void *frame)
{
	struct nsp_thread *t = nsp_self();
	struct nsp_event *e;
	struct nsp_path *p;
	nsp_ref r;
	int was = recording, own;

	if (!t || !kinds || atomic_load_explicit(&nsp_passive, memory_order_relaxed))
		return;
	atomic_store_explicit(&t->held, 1, memory_order_relaxed);
	nsp_arm();
	nsp_altstack_switch(t->tid);
	if (kinds & nsp_kinds_of_flags(CLONE_NEWNS))
		nsp_home_note_move();
	own = !was && !atomic_load_explicit(&nsp_shared_tls, memory_order_relaxed);
	recording = 1;
	__asm__ volatile("" ::: "memory"); /* flagged before the spare is looked at */
	e = event_take(own, &r);
	if (e) {
		e->call = (uint16_t)call;
		e->kinds = (uint16_t)kinds;
		e->seq = next_seq();
		e->tid = t->tid;
		e->err = 0;
		e->owner = t->me;
		e->stack.depth = nsp_capture_at(frame, e->stack.ip, (uint32_t)nsp_opt.stack_depth);
		atomic_store_explicit(&e->refs, kinds & (kinds - 1) ? (uint32_t)__builtin_popcount(kinds) : 1,
				      memory_order_relaxed); /* one slot per kind it changed */
		atomic_store_explicit(&e->obj.gen, NSP_REF_GEN(r), memory_order_release);
		/* A switch made by a signal handler in the middle of this one
		 * is counted, not kept in the path: the two would share a slot. */
		p = path_of(t);
		if (p && !was)
			hist_push(p, e, fd);
		/* Exchanged, not stored: a signal handler may switch in between. */
		for (unsigned m = kinds; m; m &= m - 1) {
			int k = __builtin_ctz(m);
			nsp_ref old;
			if (p)
				p->nkind[k]++;
			old = atomic_exchange_explicit(&t->cause[k], r, memory_order_acq_rel);
			if (!atomic_load(&nsp_reporting))
				event_release(old, own);
		}
	}
	__asm__ volatile("" ::: "memory");
	recording = was;
}

/* Rare, so it reads what it can: the type and namespace of a setns fd,
 * and where the thread is (where the call left it). */
void nsp_record_failure_at(int call, unsigned long flags, int fd, int err, const void *frame)
{
	struct nsp_thread *t = nsp_self();
	unsigned kinds = nsp_kinds_of_flags(flags), fdkinds = 0, at;
	struct nsp_path *p;
	struct nsp_event *e;
	uint32_t idx, n;
	nsp_ref r, old;
	int was = recording;

	if (!t || atomic_load_explicit(&nsp_passive, memory_order_relaxed) ||
	    !(p = path_of(t)) || !(idx = nsp_pool_get(&nsp_events)))
		return;
	nsp_arm(); /* the unwinder, as for a switch */
	recording = 1;
	__asm__ volatile("" ::: "memory");
	e = nsp_pool_at(&nsp_events, idx);
	r = NSP_REF(idx, atomic_load_explicit(&e->obj.gen, memory_order_relaxed));
	e->call = (uint16_t)call;
	e->kinds = (uint16_t)kinds;
	e->seq = next_seq();
	e->tid = t->tid;
	e->err = err;
	e->owner = t->me;
	e->target = call == NSP_CALL_SETNS ? nsfd_ino(fd) : 0;
	fdkinds = e->target ? nsp_kinds_of_nsfd(fd) : 0;
	e->target_type = (int16_t)(fdkinds ? nsp_type_of_kind(__builtin_ctz(fdkinds)) : -1);
	at = kinds ? kinds : fdkinds;
	e->at_kind = (int16_t)(at ? __builtin_ctz(at) : -1);
	e->at = at ? own_ns(e->at_kind) : 0;
	e->stack.depth = nsp_capture_at(frame, e->stack.ip, (uint32_t)nsp_opt.stack_depth);
	atomic_store_explicit(&e->refs, 1, memory_order_relaxed);
	atomic_store_explicit(&e->obj.gen, NSP_REF_GEN(r), memory_order_release);
	n = atomic_load_explicit(&p->nfailed, memory_order_relaxed);
	old = atomic_exchange_explicit(&p->failed[n % NSP_FAILED_MAX], r, memory_order_acq_rel);
	atomic_store_explicit(&p->nfailed, n + 1, memory_order_relaxed);
	if (!atomic_load(&nsp_reporting))
		event_release(old, 0);
	__asm__ volatile("" ::: "memory");
	recording = was;
}

struct nsp_thread *nsp_thread_prepare_at(void *(*start)(void *), void *arg, const void *frame)
{
	struct nsp_thread *parent, *t;
	int inherits = 0;

	if (atomic_load_explicit(&nsp_passive, memory_order_relaxed))
		return NULL;
	nsp_arm();
	parent = nsp_self();
	t = take_ahead();
	if (!t)
		return NULL;
	t->start = start;
	t->arg = arg;
	t->stack.depth = nsp_capture_at(frame, t->stack.ip, (uint32_t)nsp_opt.stack_depth);
	if (!parent)
		return t;
	t->parent_tid = parent->tid;
	t->home = parent->home;
	if (!atomic_load_explicit(&parent->held, memory_order_relaxed))
		return t; /* no cause to inherit */
	for (int k = 0; k < NSP_NKINDS; k++) {
		nsp_ref r = atomic_load_explicit(&parent->cause[k], memory_order_relaxed);
		event_acquire(r);
		atomic_store_explicit(&t->cause[k], r, memory_order_relaxed);
		inherits |= r != 0;
		if (r) /* born where its creator's call took it */
			t->home &= ~(1u << k);
	}
	/* The creator's record is only needed to explain an inherited cause;
	 * holding it otherwise would chain every ended ancestor in memory. */
	if (inherits) {
		atomic_store_explicit(&t->held, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&parent->refs, 1, memory_order_relaxed);
		t->parent = parent->me;
	}
	return t;
}

void nsp_thread_abandon(struct nsp_thread *t)
{
	thread_release(t->me);
}

/* This thread's tid without a system call: the CPU clock of a thread
 * names its tid (~tid << 3 | 6, the kernel's encoding), and glibc makes it
 * from the tid the kernel wrote for it before it ran.  Checked against
 * gettid() once, when the process is armed; a C library that encodes it
 * otherwise is asked by gettid(). */
static _Atomic int clock_tid_ok = -1;

NSP_RUNTIME_SAFE static pid_t clock_tid(void)
{
	clockid_t c;

	return pthread_getcpuclockid(pthread_self(), &c) ? 0 : (pid_t) ~((long)c >> 3);
}

void nsp_registry_arm(void)
{
	atomic_store(&clock_tid_ok, clock_tid() == gettid());
}

NSP_RUNTIME_SAFE static pid_t my_tid(void)
{
	return atomic_load_explicit(&clock_tid_ok, memory_order_relaxed) > 0 ? clock_tid() : gettid();
}

NSP_RUNTIME_SAFE void nsp_thread_begin(struct nsp_thread *t)
{
	t->tid = my_tid();
	atomic_store_explicit(&t->state, NSP_T_ALIVE, memory_order_release);
	self = t;
	nsp_altstack_thread_begin();
}

/* Into a ring of n: the record it lets go of. */
static nsp_ref keep(_Atomic uint32_t *at, _Atomic nsp_ref *slot, uint32_t n, nsp_ref me)
{
	uint32_t pos = atomic_fetch_add_explicit(at, 1, memory_order_relaxed);
	nsp_ref old = atomic_exchange(&slot[pos % n], me), next;

	/* The record the next end here lets go of was last touched n ends
	 * ago: fetched now, while this thread ends, it is in cache by then
	 * (its release reads its first line: see held). */
	next = atomic_load_explicit(&slot[(pos + 1) % n], memory_order_relaxed);
	if (next)
		__builtin_prefetch(nsp_pool_obj(&nsp_threads, NSP_REF_IDX(next)), 1);
	return old;
}

void nsp_thread_end(void)
{
	struct nsp_thread *t = self, *a;
	unsigned cpu;
	nsp_ref old;

	if (!t)
		return;
	self = NULL;
	nsp_altstack_thread_end();
	/* The spares go back; from here on (later destructors, a signal
	 * handler) switches take events from the pool, and creations
	 * records. */
	creations = -1;
	ended = t->me;
	if (ahead && !atomic_load(&nsp_reporting) &&
	    (a = __atomic_exchange_n(&ahead, NULL, __ATOMIC_RELAXED)))
		thread_release(a->me);
	recording = 1;
	__asm__ volatile("" ::: "memory");
	if (spare && !atomic_load_explicit(&nsp_shared_tls, memory_order_relaxed) &&
	    !atomic_load(&nsp_reporting)) {
		nsp_pool_put(&nsp_events, spare);
		spare = 0;
	}
	if (atomic_exchange(&t->state, NSP_T_ENDED) == NSP_T_ENDED ||
	    atomic_load(&nsp_reporting))
		return;
	cpu = (unsigned)sched_getcpu() % NSP_RINGS; /* -1 (none): any ring */
	if (atomic_load_explicit(&t->held, memory_order_relaxed) || t->main)
		old = keep(&quarantine[cpu].pos, quarantine[cpu].slot, NSP_QUARANTINE, t->me);
	else
		old = keep(&quiet[cpu].pos, quiet[cpu].slot, NSP_QUIET, t->me);
	thread_release(old);
}

/* In the child of fork() only the forking thread exists.  Its record stays
 * (the child inherits its namespaces and their causes); records of the
 * other threads describe nothing that exists here and are marked ended. */
void nsp_registry_atfork_child(void)
{
	struct nsp_thread *me = self;
	uint32_t high = nsp_pool_high(&nsp_threads);

	if (me)
		me->tid = gettid();
	for (uint32_t i = 1; i <= high; i++) {
		struct nsp_thread *t = nsp_pool_at(&nsp_threads, i);
		if (!t || t == me || !(atomic_load(&t->obj.gen) & 1))
			continue;
		if (atomic_load(&t->state) == NSP_T_ALIVE) {
			atomic_store(&t->state, NSP_T_ENDED);
			thread_release(NSP_REF(i, atomic_load(&t->obj.gen)));
		}
	}
}
