/* Stacks of another process's thread, taken from outside: Go code by its
 * pclntab (lib/base/gopcln.c), everything else by elfutils' unwinder over
 * the CFI that C code carries (.eh_frame, .debug_frame), with the
 * frame-pointer chain where neither answers.  Used by the tracer (all
 * registers, from ptrace) and by the supervisor (a thread waiting in a
 * seccomp notification shows only its pc and stack pointer). */
#ifndef NSP_REMOTE_H
#define NSP_REMOTE_H

#include "report/report.h"

/* Registers in DWARF's order for x86_64: rax rdx rcx rbx rsi rdi rbp rsp
 * r8..r15, then rip. */
enum { NSP_REG_RBP = 6, NSP_REG_RSP = 7, NSP_REG_RIP = 16, NSP_NREGS = 17 };

struct nsp_regs {
	uint64_t r[NSP_NREGS];
	int full; /* 0: only rip and rsp are known */
};

struct nsp_remote;
/* One process, until it execs or ends: its modules, CFI and Go table. */
struct nsp_remote *nsp_remote_open(pid_t pid);
void nsp_remote_close(struct nsp_remote *r);
/* The return addresses of thread tid, stopped (or waiting in a system
 * call) at regs: innermost first, the first one the thread's pc. */
uint32_t nsp_remote_stack(struct nsp_remote *r, pid_t tid, const struct nsp_regs *regs,
			  uintptr_t *ip, uint32_t max);
/* The pc and stack pointer of a thread blocked in a system call, from
 * /proc/PID/task/TID/syscall; 0 or a negative errno. */
int nsp_remote_syscall_regs(pid_t pid, pid_t tid, struct nsp_regs *regs);

/* Whether a function is a system call wrapper (libc's, Go's syscall
 * packages) to drop from the top of a stack, as the shim drops its own. */
int nsp_is_syscall_wrapper(const char *function);
/* Drops them from the top of every stack of r (the arena's own copies),
 * so frame 0 is the program's call; names from s. */
struct nsp_sym;
void nsp_trim_wrappers(struct nsp_report *r, struct nsp_sym *s);

#endif
