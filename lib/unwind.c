/* Stack capture.  libunwind is loaded privately (RTLD_LOCAL): linked
 * normally, its _Unwind_* exports would join the program's global scope
 * and could take over C++ exception handling in libraries the program
 * dlopens later.  Only raw return addresses are kept here; naming them
 * waits until a report is written. */
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <link.h>
#include <sched.h>
#include <string.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "nsp.h"

typedef int (*backtrace_fn)(void **, int);

static backtrace_fn bt;
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

int nsp_own_range(uintptr_t *lo, uintptr_t *hi)
{
	*lo = own_lo;
	*hi = own_hi;
	return own_hi ? 0 : -1;
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

void nsp_unwind_init(void)
{
	void *h, *ip[1];
	unsigned held;

	if (!own_hi)
		dl_iterate_phdr(find_own, (void *)(uintptr_t)nsp_unwind_init);
	if (bt)
		return;
	held = hold_std_fds();
	h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		release_std_fds(held);
		nsp_msg("libunwind.so.8 not found; stacks will be empty (",
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
	__atomic_store_n(&bt, (backtrace_fn)dlsym(h, "unw_backtrace"), __ATOMIC_RELEASE);
	if (bt)
		bt(ip, 1); /* finish libunwind's own set-up while the fds are held */
	release_std_fds(held);
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
 * libunwind's per-thread cache too: once such threads exist, captures take
 * turns.  The wait is bounded, so a signal handler that interrupts the
 * holder gives up (an empty stack) instead of deadlocking. */
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

static int capture(void **buf, uint32_t max)
{
	backtrace_fn f = __atomic_load_n(&bt, __ATOMIC_ACQUIRE);
	int n;

	/* A signal handler that switches namespaces must not re-enter
	 * libunwind on a thread already inside it (libunwind #425). */
	if (!f || in_unwind)
		return 0;
	in_unwind = 1;
	n = f(buf, (int)max + 8);
	in_unwind = 0;
	return n;
}

uint32_t nsp_capture(uintptr_t *ip, uint32_t max)
{
	void *buf[NSP_MAX_DEPTH + 8];
	int n;
	size_t kept;

	if (max > NSP_MAX_DEPTH)
		max = NSP_MAX_DEPTH;
	if (!atomic_load_explicit(&nsp_shared_tls, memory_order_relaxed)) {
		n = capture(buf, max);
	} else {
		if (take_turn())
			return 0;
		n = capture(buf, max);
		atomic_store_explicit(&shared_turn, 0, memory_order_release);
	}
	if (n <= 0)
		return 0;
	kept = nsp_drop_own((uintptr_t *)buf, (size_t)n, own_lo, own_hi);
	if (kept > max)
		kept = max;
	memcpy(ip, buf, kept * sizeof(*ip));
	return (uint32_t)kept;
}
