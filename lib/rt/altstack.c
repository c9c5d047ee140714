/* Alternate signal stacks.  A thread that overflows its stack gets
 * SIGSEGV with nowhere to run a handler unless it has an alternate stack;
 * threads start without one.  So while SIGSEGV is ours to report, one of
 * ours goes to a thread at its first recorded switch (if it has none of
 * its own then), and to each thread we create once the process has made a
 * switch.  Before any switch there is nothing a crash report could name:
 * a process that never switches has none of ours, and its threads cost no
 * sigaltstack call.  What this leaves out: a thread begun before the
 * process's first switch that never switches itself (the main thread of a
 * program whose workers switch) has none, so its stack overflow kills the
 * process as it would natively, without a report.  What it changes: a
 * handler the program installs with SA_ONSTACK runs on ours on a thread
 * that has ours, where natively (no stack of the program's) it would run
 * on the thread's own stack.  Blocks are reused through a lock-free free
 * list and never unmapped.  sigaltstack() answers as if there were none,
 * and a stack the program sets replaces ours. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rt/rt.h"
#include "rt/signals.h"

#define PAGE 4096
#define ALT_SIZE (64 * 1024)
/* What a report needs; another's signal stack smaller than this is not
 * used for one (see tests: signal_stack_use_is_bounded). */
#define ALT_NEED (32 * 1024)

/* [header page][guard page][stack]: overflowing the stack faults on the
 * guard instead of running into the next block. */
struct alt {
	_Atomic(struct alt *) next_free;
};

static NSP_OWN_LINE(_Atomic uint64_t, free_head); /* (tag << 36) | (block >> 12) */
static __thread struct alt *mine NSP_TLS;
__thread int nsp_altstack_settled NSP_TLS;
static _Atomic int enabled;
static _Atomic int switched; /* a switch was recorded: every new thread gets one */

NSP_RUNTIME_SAFE static void *stack_of(struct alt *b)
{
	return (char *)b + 2 * PAGE;
}

NSP_RUNTIME_SAFE static struct alt *unpack(uint64_t h)
{
	return (struct alt *)(uintptr_t)((h & ((1ull << 36) - 1)) << 12);
}

NSP_RUNTIME_SAFE static struct alt *pop(void)
{
	uint64_t h = atomic_load_explicit(&free_head.v, memory_order_acquire), n;
	struct alt *b;

	while ((b = unpack(h))) {
		/* Blocks are never unmapped: reading a stale one is harmless. */
		struct alt *next = atomic_load_explicit(&b->next_free, memory_order_relaxed);
		n = ((h >> 36) + 1) << 36 | (uint64_t)(uintptr_t)next >> 12;
		if (atomic_compare_exchange_weak_explicit(&free_head.v, &h, n, memory_order_acq_rel,
							  memory_order_acquire))
			return b;
	}
	return NULL;
}

static void push(struct alt *b)
{
	uint64_t h = atomic_load_explicit(&free_head.v, memory_order_relaxed), n;

	do {
		atomic_store_explicit(&b->next_free, unpack(h), memory_order_relaxed);
		n = ((h >> 36) + 1) << 36 | (uint64_t)(uintptr_t)b >> 12;
	} while (!atomic_compare_exchange_weak_explicit(&free_head.v, &h, n, memory_order_release,
							memory_order_relaxed));
}

NSP_RUNTIME_SAFE static struct alt *get_block(void)
{
	struct alt *b = pop();
	void *m;

	if (b)
		return b;
	m = mmap(NULL, 2 * PAGE + ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	mprotect((char *)m + PAGE, PAGE, PROT_NONE);
	return m;
}

NSP_RUNTIME_SAFE static int give(struct alt *b)
{
	stack_t ss = { .ss_sp = stack_of(b), .ss_size = ALT_SIZE, .ss_flags = 0 };

	return nsp_libc.sigaltstack(&ss, NULL);
}

/* Once, when the process is armed: from then on threads take one as
 * said above (a thread's first switch comes after the arming). */
void nsp_altstack_init(void)
{
	if (nsp_libc.sigaltstack && nsp_sig_managed(SIGSEGV))
		atomic_store(&enabled, 1);
}

NSP_RUNTIME_SAFE static void take(void)
{
	struct alt *b;

	if (!atomic_load_explicit(&enabled, memory_order_relaxed) || mine)
		return;
	if ((b = get_block()) && give(b) == 0)
		mine = b;
	else if (b)
		push(b);
}

NSP_RUNTIME_SAFE void nsp_altstack_thread_begin(void)
{
	if (atomic_load_explicit(&switched, memory_order_relaxed))
		take();
}

/* The thread may have set a stack of its own by now: that one stays, and
 * the thread is asked once, not at each switch.  A task that runs on the
 * thread's memory but is not that thread (a vfork child, a raw clone that
 * shares its TLS) leaves both to it: what it would set here is the
 * thread's, what it would set in the kernel its own. */
void nsp_altstack_first_switch(pid_t owner)
{
	stack_t cur;

	if (!atomic_load_explicit(&switched, memory_order_relaxed))
		atomic_store_explicit(&switched, 1, memory_order_relaxed);
	if (gettid() != owner)
		return;
	nsp_altstack_settled = 1;
	if (!mine && atomic_load_explicit(&enabled, memory_order_relaxed) &&
	    nsp_libc.sigaltstack(NULL, &cur) == 0 && (cur.ss_flags & SS_DISABLE))
		take();
}

void nsp_altstack_thread_end(void)
{
	stack_t off = { .ss_flags = SS_DISABLE }, old;
	struct alt *b = mine;

	nsp_altstack_settled = 1; /* a switch after this (a later destructor) takes none */
	if (!b)
		return;
	/* Fails only while running on it (an ending signal handler): then
	 * the block stays with the dying thread. */
	if (nsp_libc.sigaltstack(&off, &old))
		return;
	mine = NULL;
	if (old.ss_sp != stack_of(b) && !(old.ss_flags & SS_DISABLE))
		nsp_libc.sigaltstack(&old, NULL); /* the program's own stays */
	push(b);
}

NSP_RUNTIME_SAFE static int ours_in_place(stack_t *cur)
{
	return mine && nsp_libc.sigaltstack(NULL, cur) == 0 && cur->ss_sp == stack_of(mine) &&
	       !(cur->ss_flags & SS_DISABLE);
}

NSP_RUNTIME_SAFE int nsp_altstack_call(const stack_t *ss, stack_t *old)
{
	stack_t cur;

	if (!nsp_libc.sigaltstack)
		return errno = ENOSYS, -1;
	if (!ours_in_place(&cur))
		return nsp_libc.sigaltstack(ss, old);
	/* The program believes there is none: disabling changes nothing,
	 * a stack of its own replaces ours. */
	if (ss && !(ss->ss_flags & SS_DISABLE) && nsp_libc.sigaltstack(ss, NULL))
		return -1;
	if (old) {
		memset(old, 0, sizeof(*old));
		old->ss_flags = SS_DISABLE;
	}
	return 0;
}

/* Is there room on the stack this handler runs on for a report? */
int nsp_altstack_room(void)
{
	stack_t cur;

	if (!nsp_libc.sigaltstack || nsp_libc.sigaltstack(NULL, &cur))
		return 1;
	return !(cur.ss_flags & SS_ONSTACK) || cur.ss_size >= ALT_NEED;
}
