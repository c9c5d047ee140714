/* Stacks of a stopped tracee: its registers from ptrace, the walk by
 * tools/common/remote.c. */
#include <sys/ptrace.h>
#include <sys/user.h>

#include "../common/remote.h"
#include "trace.h"

void trace_unwind(struct tproc *p, struct trec *t, struct nsp_stack *st, uint32_t max)
{
	struct user_regs_struct u;
	struct nsp_regs r = { .full = 1 };

	st->depth = 0;
	if (!p->unw && !(p->unw = nsp_remote_open(p->tgid)))
		return;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &u))
		return;
	r.r[0] = u.rax, r.r[1] = u.rdx, r.r[2] = u.rcx, r.r[3] = u.rbx;
	r.r[4] = u.rsi, r.r[5] = u.rdi, r.r[6] = u.rbp, r.r[7] = u.rsp;
	r.r[8] = u.r8, r.r[9] = u.r9, r.r[10] = u.r10, r.r[11] = u.r11;
	r.r[12] = u.r12, r.r[13] = u.r13, r.r[14] = u.r14, r.r[15] = u.r15;
	r.r[16] = u.rip;
	st->depth = nsp_remote_stack(p->unw, t->tid, &r, st->ip, max);
}

void trace_unwind_forget(struct tproc *p)
{
	nsp_remote_close(p->unw);
	p->unw = NULL;
}
