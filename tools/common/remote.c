/* Stacks of another process's thread.  Go code first, by its pclntab:
 * the frame sizes there need nothing but pc and sp.  Then elfutils'
 * unwinder, which follows the CFI that C code, static glibc included,
 * carries (.eh_frame, or .debug_frame); libunwind's remote unwinder (1.6)
 * misplaces the CFI of binaries whose first segment is not executable,
 * which is every binary ld links today.  Our own frame-pointer walk
 * remains for when both stop at once.
 *
 * A thread waiting in a seccomp notification shows only pc and sp.  CFI
 * that needs the frame pointer (code built with it, or -O0) then gets a
 * guess: the lowest frame record on the stack, a saved frame pointer
 * that points further up followed by a return address into code. */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/fmt.h"
#include "base/proc.h"
#include "dw/go.h"
#include "report/sym.h"
#include "remote.h"

#define MAX_EXEC 512
#define FP_SCAN 4096 /* bytes of stack searched for a frame record */

struct nsp_remote {
	pid_t pid;
	Dwfl *dwfl;   /* modules and CFI of the process, until it execs */
	int dwfl_bad; /* could not be set up: Go and frame pointers only */
	int nx;       /* executable mappings, -1 until read */
	uintptr_t lo[MAX_EXEC], hi[MAX_EXEC];
	struct nsp_arena a; /* the Go tables and the maps they came from */
	struct nsp_go *go;
	const struct nsp_map *maps;
};

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

struct nsp_remote *nsp_remote_open(pid_t pid)
{
	struct nsp_remote *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->pid = pid;
	r->nx = -1;
	return r;
}

void nsp_remote_close(struct nsp_remote *r)
{
	if (!r)
		return;
	if (r->dwfl)
		dwfl_end(r->dwfl);
	nsp_go_close(r->go);
	nsp_arena_fini(&r->a);
	free(r);
}

static int peek(pid_t pid, uintptr_t addr, void *buf, size_t n)
{
	struct iovec local = { buf, n }, remote = { (void *)addr, n };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)n ? 0 : -1;
}

/* ---- executable mappings, for telling return addresses from data */

static void read_exec_maps(struct nsp_remote *r)
{
	struct nsp_arena a;
	char *text;
	long n;

	r->nx = 0;
	if (nsp_arena_init(&a, (size_t)16 << 20))
		return;
	n = nsp_proc_slurp(r->pid, "maps", &a, &text);
	for (const struct nsp_map *m = n > 0 ? nsp_maps_parse(text, (size_t)n, &a) : NULL;
	     m && r->nx < MAX_EXEC; m = m->next) {
		if (m->exec) {
			r->lo[r->nx] = m->lo;
			r->hi[r->nx++] = m->hi;
		}
	}
	nsp_arena_fini(&a);
}

static int is_code(struct nsp_remote *r, uintptr_t a)
{
	for (int pass = 0; pass < 2; pass++) {
		if (r->nx < 0 || pass)
			read_exec_maps(r); /* new mappings since: look again */
		for (int i = 0; i < r->nx; i++)
			if (a >= r->lo[i] && a < r->hi[i])
				return 1;
	}
	return 0;
}

/* ---- Go */

static int read_mem(void *ctx, uintptr_t addr, void *buf, size_t n)
{
	const pid_t *tid = ctx;

	return peek(*tid, addr, buf, n) ? -EFAULT : 0;
}

static const struct nsp_gopcln *go_table_at(struct nsp_remote *r, uintptr_t pc)
{
	if (!r->go) {
		if (!r->a.base && nsp_arena_init(&r->a, (size_t)16 << 20))
			return NULL;
		r->go = nsp_go_open(&r->a, r->pid);
		r->maps = nsp_proc_maps(r->pid, &r->a);
	}
	for (const struct nsp_map *m = r->maps; m; m = m->next)
		if (m->path && pc >= m->lo && pc < m->hi)
			return nsp_go_table(r->go, r->maps, m);
	return NULL;
}

static uint32_t by_go(struct nsp_remote *r, pid_t tid, const struct nsp_regs *regs, uintptr_t *ip,
		      uint32_t max)
{
	const struct nsp_gopcln *t = go_table_at(r, regs->r[NSP_REG_RIP]);
	struct nsp_gopcln_frame f[NSP_MAX_DEPTH];
	size_t n = 0;
	int stop;

	if (!t || nsp_gopcln_unwind(t, regs->r[NSP_REG_RIP], regs->r[NSP_REG_RSP], read_mem, &tid, f,
				    max < NSP_MAX_DEPTH ? max : NSP_MAX_DEPTH, &n, &stop))
		return 0;
	for (size_t i = 0; i < n; i++)
		ip[i] = f[i].pc;
	return (uint32_t)n;
}

/* ---- CFI, by elfutils */

/* The thread being unwound: elfutils' callbacks have no argument for it. */
static pid_t cur_tid;
static const struct nsp_regs *cur_regs;
static uintptr_t cur_leaf; /* pc popped off a frameless leaf, or 0 */

/* The top of the stack, read in one go: most of what the unwinder reads
 * is there, and each read is otherwise a system call. */
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

static int top_word(uintptr_t addr, uintptr_t *v)
{
	if (addr < top.lo || top.len < sizeof(*v) || addr - top.lo > top.len - sizeof(*v))
		return -1;
	memcpy(v, top.buf + (addr - top.lo), sizeof(*v));
	return 0;
}

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

static bool memory_read(Dwfl *d, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	uintptr_t v;

	(void)d, (void)arg;
	if (!top_word((uintptr_t)addr, &v)) {
		*result = v;
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

/* Only pc and sp known: the frame pointer of the nearest caller that
 * keeps one, or 0. */
static uintptr_t guess_bp(struct nsp_remote *r, uintptr_t sp)
{
	for (uintptr_t a = sp; a < sp + FP_SCAN; a += 8) {
		uintptr_t saved, ret;
		if (top_word(a, &saved) || top_word(a + 8, &ret))
			break;
		if (saved > a && saved < a + (1u << 20) && !(saved & 7) && is_code(r, ret))
			return a;
	}
	return 0;
}

static struct nsp_remote *cur_remote;

/* A pc that no CFI covers sits in a frameless leaf (glibc's clone3 ends
 * its FDE before the syscall, on purpose): start from its return
 * address on the stack, which is exact for a leaf. */
static bool set_initial_registers(Dwfl_Thread *th, void *arg)
{
	Dwarf_Word w[NSP_NREGS];
	uintptr_t ret;

	(void)arg;
	for (int i = 0; i < NSP_NREGS; i++)
		w[i] = cur_regs->r[i];
	cur_leaf = 0;
	read_top(w[NSP_REG_RSP]);
	if (!cur_regs->full)
		w[NSP_REG_RBP] = guess_bp(cur_remote, w[NSP_REG_RSP]);
	if (!has_cfi(dwfl_thread_dwfl(th), w[NSP_REG_RIP]) && !top_word(w[NSP_REG_RSP], &ret)) {
		cur_leaf = w[NSP_REG_RIP];
		w[NSP_REG_RIP] = ret;
		w[NSP_REG_RSP] += 8;
	}
	return dwfl_thread_state_registers(th, 0, NSP_NREGS, w);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* Set up on first use, while a thread of the process is stopped. */
static Dwfl *dwfl_of(struct nsp_remote *r)
{
	if (r->dwfl || r->dwfl_bad)
		return r->dwfl;
	r->dwfl = dwfl_begin(&callbacks);
	if (r->dwfl && (dwfl_linux_proc_report(r->dwfl, r->pid) ||
			dwfl_report_end(r->dwfl, NULL, NULL) ||
			!dwfl_attach_state(r->dwfl, NULL, r->pid, &thread_callbacks, NULL))) {
		dwfl_end(r->dwfl);
		r->dwfl = NULL;
	}
	r->dwfl_bad = !r->dwfl;
	return r->dwfl;
}

struct walk {
	uintptr_t *ip;
	uint32_t n, max;
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
	w->ip[w->n++] = (uintptr_t)pc;
	return w->n < w->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

static uint32_t by_cfi(struct nsp_remote *r, pid_t tid, const struct nsp_regs *regs,
		       uintptr_t *ip, uint32_t max)
{
	Dwfl *d = dwfl_of(r);
	struct walk w = { ip, 0, max };

	if (!d)
		return 0;
	cur_tid = tid;
	cur_regs = regs;
	cur_remote = r;
	/* The leaf's own pc goes first once the walk has started. */
	ip[w.n++] = 0;
	dwfl_getthread_frames(d, tid, frame_cb, &w);
	if (cur_leaf)
		ip[0] = cur_leaf;
	else
		memmove(ip, ip + 1, --w.n * sizeof(ip[0]));
	return w.n;
}

/* ---- frame pointers */

/* At a syscall the innermost function is usually a frameless leaf (libc
 * wrappers, Go's Syscall6): its return address is at the stack pointer,
 * and the frame pointer still belongs to its caller. */
static uint32_t by_fp(struct nsp_remote *r, pid_t tid, const struct nsp_regs *regs,
		      uintptr_t *ip, uint32_t max)
{
	uintptr_t sp = regs->r[NSP_REG_RSP], fp, ret, up;
	uint32_t n = 0;

	ip[n++] = regs->r[NSP_REG_RIP];
	if (n < max && !peek(tid, sp, &ret, sizeof(ret)) && is_code(r, ret))
		ip[n++] = ret;
	cur_tid = tid;
	read_top(sp);
	fp = regs->full ? regs->r[NSP_REG_RBP] : guess_bp(r, sp);
	while (n < max && fp > sp && !(fp & 7)) {
		uintptr_t frame[2]; /* saved frame pointer, return address */
		if (peek(tid, fp, frame, sizeof(frame)) || !is_code(r, frame[1]))
			break;
		ip[n++] = frame[1];
		up = frame[0];
		if (up <= fp)
			break;
		fp = up;
	}
	return n;
}

uint32_t nsp_remote_stack(struct nsp_remote *r, pid_t tid, const struct nsp_regs *regs,
			  uintptr_t *ip, uint32_t max)
{
	uintptr_t fp[NSP_MAX_DEPTH];
	uint32_t n, nf;

	if (!r || !max)
		return 0;
	if (max > NSP_MAX_DEPTH)
		max = NSP_MAX_DEPTH;
	if ((n = by_go(r, tid, regs, ip, max)) >= 2)
		return n;
	n = by_cfi(r, tid, regs, ip, max);
	if (n < 2 && (nf = by_fp(r, tid, regs, fp, max)) > n) {
		memcpy(ip, fp, nf * sizeof(fp[0]));
		n = nf;
	}
	return n;
}

int nsp_remote_syscall_regs(pid_t pid, pid_t tid, struct nsp_regs *regs)
{
	char buf[256];
	const char *p = buf, *end;
	uint64_t v[9];
	ssize_t n = nsp_proc_read_task(pid, tid, "syscall", buf, sizeof(buf));

	/* "NR ARG1 .. ARG6 SP PC": the number in decimal, the rest in hex. */
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	end = buf + n;
	for (int i = 0; i < 9; i++) {
		while (p < end && *p == ' ')
			p++;
		if ((i ? nsp_parse_hex(&p, end, &v[i]) : nsp_parse_dec(&p, end, &v[i])) <= 0)
			return -EINVAL; /* "running", or not in a system call */
	}
	memset(regs, 0, sizeof(*regs));
	regs->r[NSP_REG_RSP] = v[7];
	regs->r[NSP_REG_RIP] = v[8];
	return 0;
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

int nsp_is_syscall_wrapper(const char *function)
{
	if (!function)
		return 0;
	for (size_t i = 0; i < NSP_ARRAY_LEN(wrappers); i++)
		if (!strcmp(function, wrappers[i]))
			return 1;
	for (size_t i = 0; i < NSP_ARRAY_LEN(wrapper_prefixes); i++)
		if (!strncmp(function, wrapper_prefixes[i], strlen(wrapper_prefixes[i])))
			return 1;
	return 0;
}

/* Frame 0 is the caller of setns/unshare, as in the preload mode: drop
 * the libc or Go syscall wrappers the stack was taken in. */
static void trim(struct nsp_stack *st, struct nsp_sym *s)
{
	uint32_t drop = 0;

	while (drop + 1 < st->depth) {
		struct nsp_frame f;
		nsp_sym_frame(s, st->ip[drop], &f);
		if (!nsp_is_syscall_wrapper(f.function))
			break;
		drop++;
	}
	memmove(st->ip, st->ip + drop, (st->depth - drop) * sizeof(st->ip[0]));
	st->depth -= drop;
}

/* The stacks are the arena's own copies, so trimming them is safe. */
static void trim_spill(struct nsp_spill *sp, struct nsp_sym *s)
{
	if (sp->cause)
		trim(&((struct nsp_cause *)sp->cause)->stack, s);
	if (sp->creation)
		trim(&((struct nsp_hop *)sp->creation)->stack, s);
	for (size_t k = 0; k < sp->nhops; k++)
		trim(&((struct nsp_hop *)sp->hops)[k].stack, s);
	for (size_t k = 0; k < sp->nfailed; k++)
		trim(&((struct nsp_step *)sp->failed)[k].stack, s);
	/* A step of a path names its site: a few frames, as the runtime
	 * keeps them. */
	for (size_t k = 0; k < sp->npath; k++) {
		struct nsp_stack *st = &((struct nsp_step *)sp->path)[k].stack;
		trim(st, s);
		if (st->depth > NSP_SITE_DEPTH)
			st->depth = NSP_SITE_DEPTH;
	}
}

void nsp_trim_wrappers(struct nsp_report *r, struct nsp_sym *s)
{
	for (size_t i = 0; i < r->nspills; i++)
		trim_spill(&r->spills[i], s);
}
