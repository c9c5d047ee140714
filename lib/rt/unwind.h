/* Stack capture: our own walker over .eh_frame rules, libunwind for the
 * frames it cannot follow.  Raw return addresses only; naming waits for
 * a report. */
#ifndef NSP_UNWIND_H
#define NSP_UNWIND_H

#include "rt/rt.h"
#include "base/base.h"

/* ---- unwind.c */

void nsp_unwind_init(void);
/* Raw return addresses of the caller's stack from a frame pointer of ours
 * on (__builtin_frame_address(0) of a wrapper), our own frames removed. */
uint32_t nsp_capture_at(const void *frame, uintptr_t *ip, uint32_t max);
/* Drops frames inside [lo, hi) in place; returns how many remain. */
size_t nsp_drop_own(uintptr_t *ip, size_t n, uintptr_t lo, uintptr_t hi);

/* ---- cfi.c: frame rules from .eh_frame (x86_64) */

enum nsp_rule_kind {
	NSP_RULE_NORMAL = 1, /* caller found from the CFA as below */
	NSP_RULE_END,        /* outermost frame: the return address is undefined */
	NSP_RULE_SIGNAL,     /* signal trampoline: the caller's registers are in the ucontext */
	NSP_RULE_OTHER,      /* needs more than rsp, rbp and memory: ask libunwind */
	NSP_RULE_NONE,       /* no CFI at all: follow the frame pointer chain */
};

struct nsp_rule {
	int kind;
	int cfa_rbp;    /* CFA = rbp + cfa_off, else rsp + cfa_off */
	int rbp_saved;  /* the caller's rbp is at CFA + rbp_off, else unchanged */
	int64_t cfa_off, rbp_off;
	int64_t ra_off; /* the return address is at CFA + ra_off */
};

/* The rule of the frame stopped at pc: 0, or -ENOENT when pc has no CFI. */
int nsp_cfi_rule(uintptr_t pc, struct nsp_rule *r);

/* ---- walk.c: the stack walker and its table of rules */

#define NSP_WALK_NOCACHE (~0ull) /* a generation: use no cached rule */
#define NSP_WALK_MAY_MISS 1      /* may work out rules not in the table */

/* The generation of cached rules valid now, or NSP_WALK_NOCACHE while
 * code is being unloaded. */
uint64_t nsp_walk_gen(void);
/* Around dlclose: done 0 before, 1 after. */
void nsp_walk_unloading(int done);
/* Return addresses of the calling thread, its own frame first, or from
 * frame (a frame pointer of ours) on: the count, or a negative errno if a
 * frame needs libunwind (-EINTR if that frame lies past a signal frame,
 * where libunwind is not to be loaded), or a rule is missing without
 * MAY_MISS. */
int nsp_walk(uintptr_t *out, int max, uint64_t gen, int flags, const void *frame);
/* Frames in [lo, hi) are walked through but not given out. */
void nsp_walk_skip(uintptr_t lo, uintptr_t hi);

/* ---- sanrt.c: frames of a sanitizer runtime's interceptors */

void nsp_sanrt_init(void);
/* Drops the runtime's frames on top of a stack; returns how many remain. */
size_t nsp_sanrt_drop_top(uintptr_t *ip, size_t n);

#endif
