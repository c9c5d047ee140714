/* The handler of every signal we took over.  A fatal signal gets the final
 * report (unless another thread is writing it: then we wait for that one),
 * then the disposition goes back to the default and the signal is raised
 * again with the same siginfo, so the process dies of it exactly as it
 * would have: same wait status, same core dump.  The report signal writes
 * a report of its own and the program runs on.
 *
 * Everything below is async-signal-safe: the report is collected with raw
 * syscalls into an mmap'd arena, and frames are named by a separate
 * program (see symext.c), never by malloc-using code in this process. */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/helpers.h"
#include "base/io.h"
#include "base/signame.h"
#include "rt/emit.h"
#include "rt/rt.h"
#include "rt/signals.h"

static void reraise(int sig, siginfo_t *si)
{
	pid_t pid = getpid(), tid = gettid();

	/* Sending a thread-directed signal to ourselves is always allowed,
	 * and keeps the sender or fault address for the core dump.  The
	 * signal stays blocked until the handler returns; then it kills.  A
	 * fault would come back anyway when the instruction runs again. */
	if (nsp_raw_syscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, (long)si) != 0)
		nsp_raw_syscall(SYS_tgkill, pid, tid, sig, 0);
}

/* Not even nsp_msg(): its buffer would not fit on such a stack. */
static void too_small(void)
{
	static const char msg[] = "namspill: no report: the signal stack of this thread is "
				  "too small for one\n";

	nsp_write_all(2, msg, sizeof(msg) - 1);
}

/* The final report, for fatal signal sig: written here unless another
 * thread writes it (we wait for that one) or it is written already. */
static void final_report(int sig)
{
	switch (nsp_final_claim()) {
	case NSP_CLAIMED:
		if (nsp_altstack_room())
			nsp_self_report(NSP_TRIGGER_SIGNAL, sig);
		else
			too_small();
		nsp_final_done();
		break;
	case NSP_BUSY:
		nsp_final_wait(sig);
		break;
	default: /* written already, or this thread crashed while writing it */
		break;
	}
}

void nsp_sig_handler(int sig, siginfo_t *si, void *uc)
{
	int e = errno;

	(void)uc;
	if (sig == nsp_opt.report_signal) {
		if (nsp_altstack_room())
			nsp_self_report(NSP_TRIGGER_REQUEST, sig);
		errno = e;
		return;
	}
	final_report(sig);
	nsp_sig_release(sig);
	reraise(sig, si);
	errno = e;
}

/* glibc 2.36's abort() unblocks SIGABRT and raises it, which runs the
 * program's handler, or ours where the program left the default (that
 * one reports and kills).  If the program's handler returns, or SIGABRT
 * is ignored, abort() gives SIGABRT back to the default with its own
 * internal sigaction, out of our sight, and raises it again: the process
 * dies with no report.  So the wrapper takes those first steps itself,
 * the report comes where abort() would reset SIGABRT, and the real
 * abort() ends the process: with the default in place, its own first
 * raise kills, as its second would have, and the program's handler has
 * run exactly once.  The report is written as in a signal handler
 * (frames named by the helper): abort() is called from anywhere, with a
 * lock held or the heap broken. */
void nsp_abort_prepare(void)
{
	sigset_t abrt;

	if (atomic_load(&nsp_passive) || !nsp_libc.sigaction)
		return; /* the real abort() does it all */
	sigemptyset(&abrt);
	sigaddset(&abrt, SIGABRT);
	pthread_sigmask(SIG_UNBLOCK, &abrt, NULL);
	raise(SIGABRT);
	if (nsp_sig_managed(SIGABRT))
		final_report(SIGABRT);
	nsp_sig_release(SIGABRT);
}

void nsp_abort_unresolved(void)
{
	struct { long handler, flags, restorer; uint64_t mask; } dfl = { 0 }; /* SIG_DFL */
	uint64_t abrt = NSP_SIGBIT(SIGABRT);

	nsp_raw_syscall(SYS_rt_sigaction, SIGABRT, (long)&dfl, 0, sizeof(dfl.mask));
	nsp_raw_syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&abrt, 0, sizeof(abrt));
	nsp_raw_syscall(SYS_tgkill, nsp_raw_syscall(SYS_getpid, 0, 0, 0, 0),
			nsp_raw_syscall(SYS_gettid, 0, 0, 0, 0), SIGABRT, 0);
	for (;;)
		nsp_raw_syscall(SYS_exit_group, 127, 0, 0, 0);
}
