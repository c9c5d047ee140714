/* Stack capture: walk.c does it, libunwind the frames walk.c cannot
 * follow.  libunwind is loaded privately (RTLD_LOCAL): linked normally,
 * its _Unwind_* exports would join the program's global scope and could
 * take over C++ exception handling in libraries the program dlopens
 * later.  Only raw return addresses are kept here; naming them waits
 * until a report is written. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <link.h>
#include <sched.h>
#include <string.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "base/options.h"
#include "base/out.h"
#include "rt/registry.h"
#include "rt/rt.h"
#include "rt/unwind.h"

/* libunwind's step-by-step interface: unlike unw_backtrace it keeps no
 * per-thread trace cache. */
struct unw {
	int (*getcontext)(unw_context_t *);
	int (*init_local)(unw_cursor_t *, unw_context_t *);
	int (*step)(unw_cursor_t *);
	int (*get_reg)(unw_cursor_t *, unw_regnum_t, unw_word_t *);
};

static struct unw unw;
static _Atomic int unw_ready;
static uintptr_t own_lo, own_hi;
static __thread int in_unwind NSP_TLS;

static int find_own(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t me = (uintptr_t)data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= lo &&
		    me < lo + ph->p_memsz) {
			own_lo = lo;
			own_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* libunwind keeps a pipe open for good (to probe memory).  In a program
 * started with fds 0-2 closed it would take those numbers, and the
 * program's own next open() would not get the fd it expects.  Fill the
 * gaps with /dev/null while libunwind starts; returns a bit per fd held. */
static unsigned hold_std_fds(void)
{
	unsigned held = 0;
	int fd;

	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
		if (fd > 2) {
			close(fd);
			break;
		}
		held |= 1u << fd;
	}
	return held;
}

static void release_std_fds(unsigned held)
{
	for (int fd = 0; fd <= 2; fd++)
		if (held & (1u << fd))
			close(fd);
}

static int unw_walk(uintptr_t *out, int max)
{
	unw_context_t uc;
	unw_cursor_t c;
	unw_word_t ip;
	int n = 0;

	if (!atomic_load_explicit(&unw_ready, memory_order_acquire) || unw.getcontext(&uc) ||
	    unw.init_local(&c, &uc) < 0)
		return 0;
	do {
		if (unw.get_reg(&c, UNW_REG_IP, &ip) < 0 || !ip)
			break;
		out[n++] = ip;
	} while (n < max && unw.step(&c) > 0);
	return n;
}

void nsp_unwind_init(void)
{
	if (!own_hi) {
		dl_iterate_phdr(find_own, (void *)(uintptr_t)nsp_unwind_init);
		nsp_walk_skip(own_lo, own_hi);
	}
}

/* libunwind, loaded at the first stack our walker cannot follow (a frame
 * whose rule is a DWARF expression): most processes never load it.  It
 * keeps a pipe open from then on, to probe memory with; nothing to do
 * about that but not to need it. */
enum { UNW_UNTRIED, UNW_LOADING, UNW_SETTLED };
static _Atomic int unw_state;

/* Another thread is loading libunwind: its stack needs it too, so wait
 * for it, but never forever.  dlopen holds the loader's lock until the
 * library is in, so a dlopen of the same library that only looks
 * (RTLD_NOLOAD) returns once it is; and at once if this thread holds
 * that lock itself (a library's constructor, while the loading thread
 * waits for the lock): then the wait below is short and the stack stops
 * where our walker did. */
static void unw_wait(void)
{
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);

	if (h)
		dlclose(h);
	for (int i = 0; i < 10000 && atomic_load_explicit(&unw_state, memory_order_acquire) ==
						UNW_LOADING;
	     i++)
		sched_yield();
}

static void unw_load(void)
{
	void *h;
	uintptr_t ip[1];
	unsigned held;
	int untried = UNW_UNTRIED;

	if (!atomic_compare_exchange_strong(&unw_state, &untried, UNW_LOADING)) {
		if (untried == UNW_LOADING)
			unw_wait();
		return;
	}
	held = hold_std_fds();
	h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		release_std_fds(held);
		atomic_store_explicit(&unw_state, UNW_SETTLED, memory_order_release);
		if (nsp_opt.verbosity > 0)
			nsp_msg("libunwind.so.8 not found; stacks that need it stop short (",
				dlerror(), ")");
		return;
	}
	/* Per-thread caches avoid libunwind's global lock on every step. */
	{
		int (*policy)(unw_addr_space_t, unw_caching_policy_t) =
			(int (*)(unw_addr_space_t, unw_caching_policy_t))dlsym(h, "_ULx86_64_set_caching_policy");
		unw_addr_space_t *as = (unw_addr_space_t *)dlsym(h, "_ULx86_64_local_addr_space");
		if (policy && as)
			policy(*as, UNW_CACHE_PER_THREAD);
	}
#define SYM(field, name) (*(void **)&unw.field = dlsym(h, name))
	if (SYM(getcontext, "_Ux86_64_getcontext") && SYM(init_local, "_ULx86_64_init_local") &&
	    SYM(step, "_ULx86_64_step") && SYM(get_reg, "_ULx86_64_get_reg")) {
		atomic_store_explicit(&unw_ready, 1, memory_order_release);
		unw_walk(ip, 1); /* finish libunwind's own set-up while the fds are held */
	}
#undef SYM
	release_std_fds(held);
	atomic_store_explicit(&unw_state, UNW_SETTLED, memory_order_release);
}

/* Our frames (the wrapper and recorder on top, the thread trampoline at
 * the bottom) say nothing about the program; frame 0 of what is left is
 * the caller of the wrapped function. */
size_t nsp_drop_own(uintptr_t *ip, size_t n, uintptr_t lo, uintptr_t hi)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (ip[i] < lo || ip[i] >= hi)
			ip[k++] = ip[i];
	return k;
}

/* Threads that share a thread pointer (raw clone) share in_unwind and
 * libunwind's per-thread cache too: once such threads exist, captures
 * take turns.  The wait is bounded, so a signal handler that interrupts
 * the holder gives up (an empty stack) instead of deadlocking. */
static _Atomic int shared_turn;

static int take_turn(void)
{
	for (int i = 0; atomic_exchange_explicit(&shared_turn, 1, memory_order_acquire); i++) {
		if (i == 1000)
			return -1;
		sched_yield();
	}
	return 0;
}

static int unw_capture(uintptr_t *ip, int max)
{
	uintptr_t buf[NSP_MAX_DEPTH + 8];
	int n = unw_walk(buf, max + 8);
	size_t kept;

	kept = nsp_drop_own(buf, (size_t)n, own_lo, own_hi);
	if (kept > (size_t)max)
		kept = (size_t)max;
	memcpy(ip, buf, kept * sizeof(*ip));
	return (int)kept;
}

/* A capture interrupted by a signal whose handler captures again (it
 * switched namespaces) may be in the middle of working out a rule, under
 * the loader's lock, or in libunwind (whose x86_64 caches do not survive
 * re-entry, libunwind #425): the nested one uses known rules only, and
 * gives up (an empty stack) where it would need more. */
static uint32_t capture(const void *frame, uintptr_t *ip, uint32_t max)
{
	int nested = in_unwind, flags = nested ? 0 : NSP_WALK_MAY_MISS, n;
	uint64_t gen = nsp_walk_gen();

	if (max > NSP_MAX_DEPTH)
		max = NSP_MAX_DEPTH;
	in_unwind = 1;
	n = nsp_walk(ip, (int)max, gen, flags, frame);
	/* Code unloaded meanwhile: a cached rule may have been stale. */
	if (n >= 0 && gen != NSP_WALK_NOCACHE && nsp_walk_gen() != gen)
		n = nested ? -1 : nsp_walk(ip, (int)max, NSP_WALK_NOCACHE, flags, frame);
	if (n < 0 && !nested) {
		/* Loading takes the loader's lock and allocates: not in a
		 * capture nested in another (a signal handler's). */
		if (n != -EINTR)
			unw_load();
		n = unw_capture(ip, (int)max);
	}
	in_unwind = nested;
	return n < 0 ? 0 : (uint32_t)nsp_sanrt_drop_top(ip, (size_t)n);
}

uint32_t nsp_capture_at(const void *frame, uintptr_t *ip, uint32_t max)
{
	uint32_t n;

	if (!atomic_load_explicit(&nsp_shared_tls, memory_order_relaxed))
		return capture(frame, ip, max);
	/* in_unwind is shared too: without turns, one thread's capture
	 * would look nested to another and give up. */
	if (take_turn())
		return 0;
	n = capture(frame, ip, max);
	atomic_store_explicit(&shared_turn, 0, memory_order_release);
	return n;
}
