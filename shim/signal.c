/* sigaction, signal and sigaltstack answer as they would without us: the
 * handlers we install for reports and our alternate stacks stay out of
 * the program's sight (lib/sigstate.c, lib/altstack.c).  They do not start
 * the library: until it has started they only pass calls on, and what was
 * set by then is the program's.  A sanitizer runtime calls them while it
 * starts, and the library's start-up calls functions that runtime
 * intercepts, which must not run before it is ready. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "real.h"

__attribute__((visibility("default"))) NSP_RUNTIME_SAFE int sigaction(int sig, const struct sigaction *act,
						      struct sigaction *old)
{
	nsp_real_resolve();
	return nsp_sig_action(sig, act, old);
}

/* The handler-only interfaces, with glibc's flags for each. */
static __sighandler_t set_handler(int sig, __sighandler_t h, int flags, int self_mask)
{
	struct sigaction act, old;

	if (h == SIG_ERR || sig < 1 || sig >= NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = h;
	sigemptyset(&act.sa_mask);
	if (self_mask)
		sigaddset(&act.sa_mask, sig);
	act.sa_flags = flags;
	if (nsp_sig_action(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

__attribute__((visibility("default"))) __sighandler_t signal(int sig, __sighandler_t h)
{
	nsp_real_resolve();
	if (!nsp_sig_managed(sig))
		return NSP_REAL(signal)(sig, h);
	return set_handler(sig, h, SA_RESTART, 1);
}

__attribute__((visibility("default"))) __sighandler_t bsd_signal(int sig, __sighandler_t h)
{
	return signal(sig, h);
}

__attribute__((visibility("default"))) __sighandler_t sysv_signal(int sig, __sighandler_t h)
{
	nsp_real_resolve();
	if (!nsp_sig_managed(sig))
		return NSP_REAL(sysv_signal)(sig, h);
	return set_handler(sig, h, SA_RESETHAND | SA_NODEFER, 0);
}

__attribute__((visibility("default"))) __sighandler_t __sysv_signal(int sig, __sighandler_t h)
{
	return sysv_signal(sig, h);
}

__attribute__((visibility("default"))) NSP_RUNTIME_SAFE int sigaltstack(const stack_t *ss,
									 stack_t *old)
{
	nsp_real_resolve();
	return nsp_altstack_call(ss, old);
}
