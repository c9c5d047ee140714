/* Signal dispositions we took over.  For a managed signal (one of the
 * `signals` option, or `report_signal`) whose disposition the program left
 * at the default, our handler is installed for real and the program's
 * view (SIG_DFL with the flags and mask it last gave) is kept here.
 * Whatever the program installs itself goes to the kernel untouched, and
 * setting SIG_DFL again gives the signal back to us.  sigaction() and
 * signal() always answer with the program's view. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "base/signame.h"
#include "rt/rt.h"
#include "rt/signals.h"

struct nsp_libc nsp_libc;

struct vsig {
	_Atomic int lock;
	int owned;            /* our handler is installed in the kernel */
	struct sigaction view; /* what the program believes is installed */
};

NSP_BIG_BSS static struct vsig vs[NSP_SIG_MAX + 1];
static _Atomic uint64_t managed; /* grows once, when the process is armed */
static struct sigaction ours;

NSP_RUNTIME_SAFE int nsp_sig_managed(int sig)
{
	return sig > 0 && sig <= NSP_SIG_MAX && nsp_libc.sigaction &&
	       (atomic_load_explicit(&managed, memory_order_acquire) & NSP_SIGBIT(sig));
}

/* A signal handler of the program may call sigaction() while the same
 * thread is in here: every signal is blocked while the lock is held. */
static void lock(int sig, sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, old);
	while (atomic_exchange_explicit(&vs[sig].lock, 1, memory_order_acquire))
		;
}

static void unlock(int sig, const sigset_t *old)
{
	atomic_store_explicit(&vs[sig].lock, 0, memory_order_release);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* The default as the kernel would hold it had the program's act gone
 * there: with what the C library adds to every action it installs (on
 * x86_64 glibc, SA_RESTORER and its restorer), read back from ours. */
NSP_RUNTIME_SAFE static void as_installed(int sig, const struct sigaction *act,
					 struct sigaction *view)
{
	struct sigaction k;

	*view = *act;
	if (nsp_libc.sigaction(sig, NULL, &k) == 0) {
		view->sa_flags |= k.sa_flags & ~ours.sa_flags;
		view->sa_restorer = k.sa_restorer;
	}
}

NSP_RUNTIME_SAFE int nsp_sig_action(int sig, const struct sigaction *act,
				    struct sigaction *old)
{
	struct sigaction prev, seen;
	sigset_t mask;
	int r, e, dfl = act && act->sa_handler == SIG_DFL;

	if (!nsp_sig_managed(sig))
		return nsp_libc.sigaction ? nsp_libc.sigaction(sig, act, old) : (errno = ENOSYS, -1);
	lock(sig, &mask);
	r = nsp_libc.sigaction(sig, dfl ? &ours : act, &prev);
	e = errno;
	if (r == 0) {
		seen = vs[sig].owned ? vs[sig].view : prev;
		if (act) {
			vs[sig].owned = dfl;
			if (dfl)
				as_installed(sig, act, &vs[sig].view);
			else
				vs[sig].view = *act;
			nsp_ps_publish_owner(sig, vs[sig].owned);
		}
	}
	unlock(sig, &mask);
	if (r == 0 && old)
		*old = seen;
	errno = e;
	return r;
}

void nsp_sig_release(int sig)
{
	struct sigaction dfl;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	/* No lock: this runs in our handler, and a thread holding the lock
	 * has every signal blocked, so it is not this one. */
	nsp_libc.sigaction(sig, &dfl, NULL);
	vs[sig].owned = 0;
	nsp_ps_publish_owner(sig, 0);
}

void nsp_sig_block_fatal(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	for (int sig = 1; sig <= NSP_SIG_MAX; sig++)
		if (nsp_sig_managed(sig) && sig != SIGSEGV && sig != SIGBUS &&
		    sig != SIGILL && sig != SIGFPE)
			sigaddset(&set, sig);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* Takes over each managed signal whose disposition is the default now;
 * one the program ignores or handles stays as it is.  Runs once, when the
 * process is armed (its first thread or recorded switch, or at start-up
 * with report_signal): other threads may be calling sigaction() then, so
 * each signal is marked managed first and taken over under its lock. */
void nsp_sig_install(void)
{
	uint64_t want;
	struct sigaction cur;
	sigset_t mask;

	if (!nsp_libc.sigaction)
		return;
	want = nsp_opt.signals | (nsp_opt.report_signal ? NSP_SIGBIT(nsp_opt.report_signal) : 0);
	memset(&ours, 0, sizeof(ours));
	ours.sa_sigaction = nsp_sig_handler;
	/* On the alternate stack, restarting what it interrupts, with every
	 * other managed signal held off while it runs. */
	ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&ours.sa_mask);
	for (int sig = 1; sig <= NSP_SIG_MAX; sig++)
		if (want & NSP_SIGBIT(sig))
			sigaddset(&ours.sa_mask, sig);
	for (int sig = 1; sig <= NSP_SIG_MAX; sig++) {
		if (!(want & NSP_SIGBIT(sig)))
			continue;
		atomic_fetch_or(&managed, NSP_SIGBIT(sig));
		lock(sig, &mask);
		if (nsp_libc.sigaction(sig, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL) {
			vs[sig].view = cur;
			if (nsp_libc.sigaction(sig, &ours, NULL) == 0) {
				vs[sig].owned = 1;
				nsp_ps_publish_owner(sig, 1);
			}
		}
		unlock(sig, &mask);
	}
}
