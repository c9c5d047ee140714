/* Stacks of a stopped tracee, taken from outside with elfutils' unwinder:
 * it follows the CFI that C code, static glibc included, carries
 * (.eh_frame, or .debug_frame) and falls back to the frame-pointer chain
 * where there is none (Go on amd64 keeps frame pointers).  libunwind's
 * ptrace unwinder (1.6) misplaces the CFI of binaries whose first
 * segment is not executable, which is every binary ld links today.  Our
 * own frame-pointer walk remains for when the unwinder stops at once. */
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <unistd.h>

#include "base/proc.h"
#include "report/supp.h"
#include "trace.h"

#define MAX_EXEC 512

struct unw {
	Dwfl *dwfl;   /* modules and CFI of the process, until it execs */
	int dwfl_bad; /* could not be set up: frame pointers only */
	int nx;       /* executable mappings, -1 until read */
	uintptr_t lo[MAX_EXEC], hi[MAX_EXEC];
};

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static struct unw *unw_of(struct tproc *p)
{
	struct unw *u = p->unw;

	if (u || !(u = calloc(1, sizeof(*u))))
		return u;
	u->nx = -1;
	p->unw = u;
	return u;
}

static int peek(pid_t pid, uintptr_t addr, void *buf, size_t n)
{
	struct iovec local = { buf, n }, remote = { (void *)addr, n };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)n ? 0 : -1;
}

/* The thread being unwound; the tracer is single-threaded. */
static pid_t cur_tid;
static uintptr_t cur_leaf; /* pc popped off a frameless leaf, or 0 */

static pid_t next_thread(Dwfl *d, void *arg, void **thread_argp)
{
	(void)d, (void)arg, (void)thread_argp;
	return 0; /* threads are asked for one by one, never listed */
}

static bool get_thread(Dwfl *d, pid_t tid, void *arg, void **thread_argp)
{
	(void)d, (void)arg;
	*thread_argp = NULL;
	return tid == cur_tid;
}

/* The top of the stack, read in one go: most of what the unwinder reads
 * is there, and each read is otherwise a syscall. */
static struct {
	uintptr_t lo;
	size_t len;
	char buf[8192];
} top;

static void read_top(uintptr_t sp)
{
	struct iovec local = { top.buf, sizeof(top.buf) };
	struct iovec remote = { (void *)sp, sizeof(top.buf) - (sp & 4095) };
	ssize_t n = process_vm_readv(cur_tid, &local, 1, &remote, 1, 0);

	top.lo = sp;
	top.len = n > 0 ? (size_t)n : 0;
}

static bool memory_read(Dwfl *d, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	(void)d, (void)arg;
	if (addr >= top.lo && addr + sizeof(*result) <= top.lo + top.len) {
		memcpy(result, top.buf + (addr - top.lo), sizeof(*result));
		return true;
	}
	return peek(cur_tid, (uintptr_t)addr, result, sizeof(*result)) == 0;
}

static bool has_cfi(Dwfl *d, Dwarf_Addr pc)
{
	Dwfl_Module *m = dwfl_addrmodule(d, pc);
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;
	Dwarf_Frame *f;

	if (!m)
		return false;
	for (int i = 0; i < 2; i++) {
		cfi = i ? dwfl_module_dwarf_cfi(m, &bias) : dwfl_module_eh_cfi(m, &bias);
		if (cfi && dwarf_cfi_addrframe(cfi, pc - bias, &f) == 0) {
			free(f);
			return true;
		}
	}
	return false;
}

#if defined(__x86_64__)
/* DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8..r15, then rip.
 * A pc that no CFI covers sits in a frameless leaf (glibc's clone3 ends
 * its FDE before the syscall, on purpose): start from its return
 * address on the stack, which is exact for a leaf. */
static bool set_initial_registers(Dwfl_Thread *th, void *arg)
{
	struct user_regs_struct r;
	Dwarf_Word w[17];

	(void)arg;
	if (ptrace(PTRACE_GETREGS, cur_tid, 0, &r))
		return false;
	cur_leaf = 0;
	read_top(r.rsp);
	if (!has_cfi(dwfl_thread_dwfl(th), r.rip) && !peek(cur_tid, r.rsp, &w[0], sizeof(w[0]))) {
		cur_leaf = r.rip;
		r.rip = w[0];
		r.rsp += 8;
	}
	w[0] = r.rax, w[1] = r.rdx, w[2] = r.rcx, w[3] = r.rbx;
	w[4] = r.rsi, w[5] = r.rdi, w[6] = r.rbp, w[7] = r.rsp;
	w[8] = r.r8, w[9] = r.r9, w[10] = r.r10, w[11] = r.r11;
	w[12] = r.r12, w[13] = r.r13, w[14] = r.r14, w[15] = r.r15;
	w[16] = r.rip;
	return dwfl_thread_state_registers(th, 0, 17, w);
}
#else
static bool set_initial_registers(Dwfl_Thread *th, void *arg)
{
	(void)th, (void)arg;
	return false; /* frame pointers only (by_fp) */
}
#endif

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* Set up on first use, while a thread of pid is stopped. */
static Dwfl *dwfl_of(struct unw *u, pid_t pid)
{
	if (u->dwfl || u->dwfl_bad)
		return u->dwfl;
	u->dwfl = dwfl_begin(&callbacks);
	if (u->dwfl && (dwfl_linux_proc_report(u->dwfl, pid) ||
			dwfl_report_end(u->dwfl, NULL, NULL) ||
			!dwfl_attach_state(u->dwfl, NULL, pid, &thread_callbacks, NULL))) {
		dwfl_end(u->dwfl);
		u->dwfl = NULL;
	}
	u->dwfl_bad = !u->dwfl;
	return u->dwfl;
}

void trace_unwind_forget(struct tproc *p)
{
	struct unw *u = p->unw;

	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
	p->unw = NULL;
}

static void read_exec_maps(struct unw *u, pid_t pid)
{
	struct nsp_arena a;
	char *text;
	long n;

	u->nx = 0;
	if (nsp_arena_init(&a, (size_t)16 << 20))
		return;
	n = nsp_proc_slurp(pid, "maps", &a, &text);
	for (const struct nsp_map *m = n > 0 ? nsp_maps_parse(text, (size_t)n, &a) : NULL;
	     m && u->nx < MAX_EXEC; m = m->next) {
		if (m->exec) {
			u->lo[u->nx] = m->lo;
			u->hi[u->nx++] = m->hi;
		}
	}
	nsp_arena_fini(&a);
}

static int is_code(struct unw *u, pid_t pid, uintptr_t a)
{
	for (int pass = 0; pass < 2; pass++) {
		if (u->nx < 0 || pass)
			read_exec_maps(u, pid); /* new mappings since: look again */
		for (int i = 0; i < u->nx; i++)
			if (a >= u->lo[i] && a < u->hi[i])
				return 1;
	}
	return 0;
}


struct walk {
	struct nsp_stack *st;
	uint32_t max;
};

static int frame_cb(Dwfl_Frame *f, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(f, &pc, &activation) || !pc)
		return DWARF_CB_ABORT;
	/* Return addresses, as the writers expect (they look at ip - 1);
	 * the innermost pc is after the syscall instruction already. */
	w->st->ip[w->st->depth++] = (uintptr_t)pc;
	return w->st->depth < w->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

static uint32_t by_cfi(struct unw *u, struct trec *t, struct nsp_stack *st, uint32_t max)
{
	Dwfl *d = dwfl_of(u, t->tgid);
	struct walk w = { st, max };

	st->depth = 0;
	if (!d)
		return 0;
	cur_tid = t->tid;
	/* The leaf's own pc goes first once the walk has started. */
	st->ip[st->depth++] = 0;
	dwfl_getthread_frames(d, t->tid, frame_cb, &w);
	if (cur_leaf)
		st->ip[0] = cur_leaf;
	else
		memmove(st->ip, st->ip + 1, --st->depth * sizeof(st->ip[0]));
	return st->depth;
}

#if defined(__x86_64__)
/* At a syscall the innermost function is usually a frameless leaf (libc
 * wrappers, Go's Syscall6): its return address is at the stack pointer,
 * and the frame pointer still belongs to its caller. */
static uint32_t by_fp(struct unw *u, pid_t tid, pid_t tgid, struct nsp_stack *st, uint32_t max)
{
	struct user_regs_struct r;
	uintptr_t fp, ret, up;
	uint32_t n = 0;

	if (ptrace(PTRACE_GETREGS, tid, 0, &r))
		return 0;
	st->ip[n++] = r.rip;
	if (n < max && !peek(tid, r.rsp, &ret, sizeof(ret)) && is_code(u, tgid, ret))
		st->ip[n++] = ret;
	for (fp = r.rbp; n < max && fp > r.rsp && !(fp & 7);) {
		uintptr_t frame[2]; /* saved frame pointer, return address */
		if (peek(tid, fp, frame, sizeof(frame)) || !is_code(u, tgid, frame[1]))
			break;
		st->ip[n++] = frame[1];
		up = frame[0];
		if (up <= fp)
			break;
		fp = up;
	}
	return n;
}
#else
static uint32_t by_fp(struct unw *u, pid_t tid, pid_t tgid, struct nsp_stack *st, uint32_t max)
{
	(void)u, (void)tid, (void)tgid, (void)st, (void)max;
	return 0;
}
#endif

void trace_unwind(struct tproc *p, struct trec *t, struct nsp_stack *st, uint32_t max)
{
	struct unw *u = unw_of(p);
	struct nsp_stack fp;

	st->depth = 0;
	if (!u)
		return;
	if (max > NSP_MAX_DEPTH)
		max = NSP_MAX_DEPTH;
	st->depth = by_cfi(u, t, st, max);
	if (st->depth < 2) {
		fp.depth = by_fp(u, t->tid, p->tgid, &fp, max);
		if (fp.depth > st->depth)
			*st = fp;
	}
}

static const char *const wrappers[] = {
	/* libc */
	"setns", "unshare", "syscall", "__GI_setns", "__GI_unshare", "__GI_syscall",
	"clone", "clone3", "__clone", "__clone3", "__clone_internal",
	"__clone_internal_fallback", "create_thread", "__pthread_create_2_1", "__pthread_create",
	"pthread_create", "pthread_create@@GLIBC_2.34", "pthread_create@GLIBC_2.2.5",
	"fork", "__libc_fork", "_Fork", "__GI__Fork", "arch_fork",
	/* Go */
	"runtime.clone", "runtime.newosproc", "runtime.newm1",
};

static const char *const wrapper_prefixes[] = {
	"syscall.", "runtime/internal/syscall.", "internal/runtime/syscall.",
	"golang.org/x/sys/unix.",
};

int trace_is_wrapper(const char *function)
{
	if (!function)
		return 0;
	for (size_t i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++)
		if (!strcmp(function, wrappers[i]))
			return 1;
	for (size_t i = 0; i < sizeof(wrapper_prefixes) / sizeof(wrapper_prefixes[0]); i++)
		if (!strncmp(function, wrapper_prefixes[i], strlen(wrapper_prefixes[i])))
			return 1;
	return 0;
}
