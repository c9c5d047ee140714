/* The tracer's wait loop.  Every stop is answered at once and the tracee
 * resumed exactly as it would have run: signals re-injected, group-stops
 * kept with PTRACE_LISTEN, exit statuses untouched unless a spill asks
 * for the exitcode option. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/proc.h"
#include "report/supp.h"
#include "trace.h"

static pid_t root;

/* A small /proc/PID/status, parsed by lib/proctext.c. */
static int status_num(pid_t pid, const char *key, int base, uint64_t *v)
{
	char buf[4096];
	struct nsp_arena a = { buf, 0, sizeof(buf) };
	char *text;
	long n = nsp_proc_slurp(pid, "status", &a, &text);

	return n > 0 ? nsp_status_num(text, (size_t)n, key, base, v) : -1;
}

static pid_t tgid_of(pid_t tid)
{
	uint64_t tgid;

	return status_num(tid, "Tgid", 10, &tgid) ? tid : (pid_t)tgid;
}

static struct trec *thread_of(pid_t tid)
{
	struct trec *t = trec_find(tid);

	if (!t) {
		pid_t tgid = tgid_of(tid);
		struct tproc *p = tproc_find(tgid);
		t = trec_new(tid, tgid);
		if (!p && (p = tproc_get(tgid)) && tgid == root)
			p->traced = 0; /* our own child, not yet the command */
	}
	return t;
}

static void resume(pid_t tid, int req, int sig)
{
	/* ESRCH: killed meanwhile (SIGKILL, exec of a sibling thread). */
	ptrace(req, tid, 0, (void *)(long)sig);
}

/* The kinds a successful call will change, read at syscall entry. */
static unsigned kinds_at_entry(pid_t tid, int stop, const uint64_t *args)
{
	int pidfd, fd;
	unsigned kinds;

	if (stop == STOP_UNSHARE || args[1])
		return nsp_kinds_of_flags(stop == STOP_UNSHARE ? args[0] : args[1]);
	/* setns(fd, 0): the kernel takes the type from the fd. */
	pidfd = (int)syscall(SYS_pidfd_open, tid, 0);
	if (pidfd < 0)
		return 0;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)args[0], 0);
	close(pidfd);
	if (fd < 0)
		return 0;
	kinds = nsp_kinds_of_nsfd(fd);
	close(fd);
	return kinds;
}

static void on_seccomp(struct trec *t)
{
	struct __ptrace_syscall_info si;
	struct tproc *p = tproc_get(t->tgid);
	int stop, n;

	trec_settle(t);
	if (!p || ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si) <= 0 ||
	    si.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		resume(t->tid, PTRACE_CONT, 0);
		return;
	}
	stop = (int)si.seccomp.ret_data;
	if (stop == STOP_SETNS || stop == STOP_UNSHARE) {
		/* The stack is the same now as when the call returns.  One stop
		 * more, at its exit, gives its result: the errno of a call
		 * that failed, which nothing read later can tell. */
		trec_pending(t, stop == STOP_SETNS ? NSP_CALL_SETNS : NSP_CALL_UNSHARE,
			     kinds_at_entry(t->tid, stop, si.seccomp.args),
			     stop == STOP_SETNS ? (int)si.seccomp.args[0] : -1);
		trace_unwind(p, t, &t->pending_stack, (uint32_t)trace_opt.stack_depth);
		resume(t->tid, PTRACE_SYSCALL, 0);
		return;
	} else if (stop == STOP_EXIT) {
		n = trace_report(p, NSP_TRIGGER_EXIT, 0);
		if (n > 0 && (si.seccomp.args[0] & 0xff) == 0 && trace_opt.exitcode)
			trace_set_exit_status(t->tid, trace_opt.exitcode);
	}
	resume(t->tid, PTRACE_CONT, 0);
}

static void on_new_task(struct trec *parent, int event)
{
	unsigned long msg = 0;
	struct trec *c;
	struct tproc *p;
	int flows = 0;

	trec_settle(parent);
	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg) == 0 &&
	    (c = thread_of((pid_t)msg))) {
		for (int k = 0; k < NSP_NKINDS; k++)
			flows |= parent->cause[k] != NULL;
		trec_inherit(c, parent);
		/* Creation stacks of threads, as the preload mode records them;
		 * of new processes only when they carry a cause. */
		if ((c->tgid == parent->tgid || flows) && (p = tproc_get(parent->tgid)))
			trace_unwind(p, parent, &c->stack, (uint32_t)trace_opt.stack_depth);
	}
	(void)event;
	resume(parent->tid, PTRACE_CONT, 0);
}

static void on_exec(pid_t tid)
{
	unsigned long former = tid;
	struct tproc *p;

	ptrace(PTRACE_GETEVENTMSG, tid, 0, &former);
	trec_exec(tid, (pid_t)former);
	if (!trec_find(tid))
		trec_new(tid, tid);
	if ((p = tproc_get(tid))) {
		trace_unwind_forget(p);
		p->traced = 1;
		p->reported = 0;
	}
	resume(tid, PTRACE_CONT, 0);
}

/* Will this signal end the process: default action terminate or core,
 * neither caught nor ignored? */
static int fatal(pid_t tgid, int sig)
{
	uint64_t ign, cgt;

	switch (sig) {
	case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return 0;
	}
	if (status_num(tgid, "SigIgn", 16, &ign) || status_num(tgid, "SigCgt", 16, &cgt))
		return 0;
	return !(((ign | cgt) >> (sig - 1)) & 1);
}

/* The syscall-exit stop of a setns or unshare (on_seccomp asked for it). */
static void on_syscall_exit(struct trec *t)
{
	struct __ptrace_syscall_info si;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si) > 0 &&
	    si.op == PTRACE_SYSCALL_INFO_EXIT)
		trec_settle_result(t, (long)si.exit.rval, si.exit.is_error);
	else
		trec_settle(t);
	resume(t->tid, PTRACE_CONT, 0);
}

static void on_signal(struct trec *t, int sig)
{
	struct tproc *p = tproc_find(t->tgid);

	trec_settle(t); /* the exit stop, were it due, came first */
	if (p && p->traced && !p->reported && fatal(t->tgid, sig))
		trace_report(p, NSP_TRIGGER_SIGNAL, sig);
	resume(t->tid, PTRACE_CONT, sig);
}

static void on_stop(pid_t tid, int status)
{
	int sig = WSTOPSIG(status), event = status >> 16;
	struct trec *t = thread_of(tid);

	if (!t) {
		resume(tid, PTRACE_CONT, 0);
		return;
	}
	switch (event) {
	case 0:
		if (sig == (SIGTRAP | 0x80))
			on_syscall_exit(t);
		else
			on_signal(t, sig);
		return;
	case PTRACE_EVENT_SECCOMP:
		on_seccomp(t);
		return;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		on_new_task(t, event);
		return;
	case PTRACE_EVENT_EXEC:
		on_exec(tid);
		return;
	case PTRACE_EVENT_STOP:
		/* A group-stop stays a stop until SIGCONT, seen by the parent. */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			resume(tid, PTRACE_LISTEN, 0);
		else
			resume(tid, PTRACE_CONT, 0);
		return;
	default:
		resume(tid, PTRACE_CONT, 0);
	}
}

static void on_end(pid_t tid, int status, int *root_status)
{
	struct trec *t = trec_find(tid);

	if (tid == root)
		*root_status = status;
	if (t) {
		pid_t tgid = t->tgid;
		trec_gone(t);
		if (tid == tgid)
			tproc_gone(tgid);
	} else {
		tproc_gone(tid);
	}
}

int trace_run(char **argv, int *why)
{
	int status, root_status = -1;
	pid_t tid;

	root = trace_spawn(argv, why);
	if (root < 0)
		return -1;
	for (;;) {
		tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: the whole tree is gone */
		}
		if (WIFSTOPPED(status))
			on_stop(tid, status);
		else
			on_end(tid, status, &root_status);
	}
	if (root_status < 0)
		*why = NSP_TRACE_FAILED;
	return root_status;
}

pid_t trace_root(void)
{
	return root;
}
