/* The stack walker behind every capture: follows the CFI rules of cfi.c,
 * each looked up once per process and kept in a lock-free table shared by
 * all threads, so a capture costs a table lookup and a load or two per
 * frame, and no thread pays memory of its own for it (libunwind's fast
 * path keeps a 256 KB trace cache per thread that ever unwinds).  The
 * result is what libunwind gives: the same rules, read from the same
 * tables; frames whose rule needs more are left to libunwind whole. */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "base/helpers.h"
#include "rt/unwind.h"

#ifndef __x86_64__
#error "the stack walker and helper threads are written for x86_64"
#endif

#define SLOTS 4096 /* distinct call sites seen in captured stacks */
#define PROBES 8

/* A rule in one word, so a reader never sees half of one: the CFA offset
 * (bits 0-31), the kind (32-34), CFA from rbp (35), rbp saved (36) at
 * CFA + 8 * (bits 40-47), and the unload generation it is valid for
 * (48-63).  The return address is at CFA - 8, where every x86_64 call
 * leaves it; a rule saying otherwise is left to libunwind. */
#define KIND(v) ((int)((v) >> 32) & 7)
#define FROM_RBP (1ull << 35)
#define RBP_SAVED (1ull << 36)
#define VALID (1ull << 39) /* set in every rule: a slot still 0 is none */
#define GEN_SHIFT 48
#define GEN_LIMIT (1ull << 16)
#define TAG_MASK (~0ull << GEN_SHIFT | VALID)

struct slot {
	_Atomic uintptr_t pc;
	_Atomic uint64_t rule;
};

NSP_BIG_BSS static struct slot table[SLOTS];
static uintptr_t skip_lo, skip_hi; /* frames not to report: the shim's own */

void nsp_walk_skip(uintptr_t lo, uintptr_t hi)
{
	skip_lo = lo;
	skip_hi = hi;
}

/* dlclose may put other code where cached rules were made: rules carry the
 * number of unloads begun; none is used while one is under way. */
static _Atomic uint64_t unloads_begun, unloads_done;

void nsp_walk_unloading(int done)
{
	atomic_fetch_add_explicit(done ? &unloads_done : &unloads_begun, 1, memory_order_acq_rel);
}

uint64_t nsp_walk_gen(void)
{
	uint64_t done = atomic_load_explicit(&unloads_done, memory_order_acquire);
	uint64_t begun = atomic_load_explicit(&unloads_begun, memory_order_acquire);

	return begun == done && begun < GEN_LIMIT ? begun : NSP_WALK_NOCACHE;
}

static uint64_t pack(const struct nsp_rule *r, uint64_t gen)
{
	int kind = r->kind;

	if (kind == NSP_RULE_NORMAL &&
	    (r->cfa_off != (int32_t)r->cfa_off || r->ra_off != -8 ||
	     (r->rbp_saved && (r->rbp_off % 8 || r->rbp_off / 8 != (int8_t)(r->rbp_off / 8)))))
		kind = NSP_RULE_OTHER;
	return ((uint64_t)r->cfa_off & 0xffffffffu) | (uint64_t)kind << 32 |
	       (r->cfa_rbp ? FROM_RBP : 0) | (r->rbp_saved ? RBP_SAVED : 0) |
	       ((uint64_t)(r->rbp_off / 8) & 0xff) << 40 | VALID | gen << GEN_SHIFT;
}

static size_t hash(uintptr_t pc)
{
	return (size_t)((pc * 0x9e3779b97f4a7c15ull) >> 52) & (SLOTS - 1);
}

static uint64_t lookup(uintptr_t pc, uint64_t gen)
{
	for (size_t i = 0, h = hash(pc); i < PROBES; i++) {
		struct slot *s = &table[(h + i) & (SLOTS - 1)];
		uintptr_t k = atomic_load_explicit(&s->pc, memory_order_acquire);
		if (k == pc) {
			uint64_t v = atomic_load_explicit(&s->rule, memory_order_acquire);
			return (v & TAG_MASK) == (gen << GEN_SHIFT | VALID) ? v : 0;
		}
		if (!k)
			return 0;
	}
	return 0;
}

static void insert(uintptr_t pc, uint64_t v)
{
	for (size_t i = 0, h = hash(pc); i < PROBES; i++) {
		struct slot *s = &table[(h + i) & (SLOTS - 1)];
		uintptr_t k = atomic_load_explicit(&s->pc, memory_order_acquire);
		if (!k && atomic_compare_exchange_strong(&s->pc, &k, pc))
			k = pc;
		if (k == pc) {
			atomic_store_explicit(&s->rule, v, memory_order_release);
			return;
		}
	}
	/* Full around here: this call site is worked out each time. */
}

/* Past the first probe: further probes, or work the rule out. */
__attribute__((noinline, cold)) static uint64_t rule_slow(uintptr_t pc, uint64_t gen, int flags)
{
	struct nsp_rule r;
	uint64_t v = gen != NSP_WALK_NOCACHE ? lookup(pc, gen) : 0;

	if (v || !(flags & NSP_WALK_MAY_MISS))
		return v;
	if (nsp_cfi_rule(pc, &r))
		r.kind = NSP_RULE_NONE;
	v = pack(&r, gen != NSP_WALK_NOCACHE ? gen : 0);
	if (gen != NSP_WALK_NOCACHE)
		insert(pc, v);
	return v;
}

/* Frames without CFI (Go code, JIT code, assembly) are followed by their
 * frame pointers, as libunwind does, each link read through the kernel
 * (process_vm_readv on ourselves), so a register that holds no frame
 * pointer makes the walk stop, not fault.  A seccomp filter not ours
 * might kill us for that call: then the walk stops at such a frame.
 * Filters belong to threads and come at any time (one a thread installs
 * for itself alone, one put on every thread later): asked at each walk
 * that needs it, for the thread walking (no filter at all costs a prctl). */
static int may_peek(void)
{
	return nsp_raw_syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0) == 0 ||
	       nsp_seccomp_state() == 0;
}

static int peek(uintptr_t addr, uintptr_t link[2])
{
	struct iovec local = { link, 2 * sizeof(uintptr_t) };
	struct iovec remote = { (void *)addr, 2 * sizeof(uintptr_t) };
	long pid, ret;

	if (!addr || (addr & 7))
		return -1;
	pid = getpid();
	{
		/* Bound after the last call: a call may use these registers. */
		register long r10 __asm__("r10") = (long)&remote;
		register long r8 __asm__("r8") = 1;
		register long r9 __asm__("r9") = 0;

		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "0"(SYS_process_vm_readv), "D"(pid), "S"(&local), "d"(1),
				   "r"(r10), "r"(r8), "r"(r9)
				 : "rcx", "r11", "memory");
	}
	return ret == (long)(2 * sizeof(uintptr_t)) ? 0 : -1;
}

/* Return addresses from here outwards, this function's own position
 * first (or from the frame given, its return address first), frames in
 * the skipped range left out; the count, or -1 if a frame needs
 * libunwind. */
__attribute__((noinline)) int nsp_walk(uintptr_t *out, int max, uint64_t gen, int flags,
				       const void *frame)
{
	uintptr_t ip, sp, bp, cfa, lo = skip_lo, span = skip_hi - skip_lo, link[2];
	uint64_t tag = gen == NSP_WALK_NOCACHE ? 0 : gen << GEN_SHIFT | VALID;
	int n = 0, exact = 1, in_handler = 0, peek_ok = -1;

	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
			 : "=r"(ip), "=r"(sp), "=r"(bp));
	if (frame) {
		/* A frame of ours, which keep frame pointers: saved rbp, then
		 * the return address, then the caller's stack. */
		const uintptr_t *f = frame;
		bp = f[0];
		ip = f[1];
		sp = (uintptr_t)(f + 2);
		exact = 0;
	}
	while (n < max) {
		/* A return address points after the call: its rule is the
		 * call's.  The frame a signal interrupted has an exact ip. */
		uintptr_t pc = ip - !exact;
		const struct slot *s = &table[hash(pc)];
		uint64_t v;

		if (__builtin_expect(atomic_load_explicit(&s->pc, memory_order_acquire) != pc ||
				     ((v = atomic_load_explicit(&s->rule, memory_order_acquire)) &
				      TAG_MASK) != tag, 0))
			v = rule_slow(pc, gen, flags);

		if (ip - lo >= span)
			out[n++] = ip;
		if (__builtin_expect(KIND(v) == NSP_RULE_NORMAL, 1)) {
			cfa = (v & FROM_RBP ? bp : sp) + (uintptr_t)(int64_t)(int32_t)v;
			/* A caller's frame lies above its callee's, not far; a
			 * stack that says otherwise is for libunwind to judge. */
			if (cfa - sp - 1 >= (1u << 28) || (cfa & 7))
				return -ENOTSUP;
			if (v & RBP_SAVED)
				bp = *(const uintptr_t *)(cfa + (uintptr_t)((int64_t)(int8_t)(v >> 40) * 8));
			ip = ((const uintptr_t *)cfa)[-1];
			sp = cfa;
			exact = 0;
			if (!ip)
				break;
			continue;
		}
		switch (KIND(v)) {
		case NSP_RULE_SIGNAL: {
			/* The handler returned to the trampoline: the kernel's
			 * frame, a ucontext, starts at the stack pointer. */
			const ucontext_t *uc = (const ucontext_t *)sp;
			ip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
			sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
			bp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
			exact = 1;
			in_handler = 1;
			break;
		}
		case NSP_RULE_NONE:
			/* rbp points at the caller's rbp, the return address
			 * above it, and the caller's stack above that. */
			if (peek_ok < 0)
				peek_ok = may_peek();
			if (!peek_ok || peek(bp, link))
				return n;
			sp = bp + 2 * sizeof(uintptr_t);
			bp = link[0];
			ip = link[1];
			exact = 0;
			break;
		case NSP_RULE_END:
			return n;
		default:
			return in_handler ? -EINTR : -ENOTSUP;
		}
		if (!ip)
			break;
	}
	return n;
}
