/* clone() called directly.  A child that shares memory but not a new
 * thread pointer (CLONE_VM without CLONE_SETTLS) sees its creator's
 * thread-local record; flag it so the registry checks tids from now on.
 * The call itself is passed through untouched.  (syscall(SYS_clone) and
 * syscall(SYS_clone3), ns.c, note theirs here too.) */
#include <sched.h>
#include <stdarg.h>
#include <sys/syscall.h>

#include "real.h"

void nsp_shim_note_clone(unsigned long flags)
{
	if (flags & CLONE_THREAD)
		nsp_mark_threads();
	if ((flags & CLONE_VM) && !(flags & CLONE_SETTLS))
		atomic_store(&nsp_shared_tls, 1);
	/* A child with memory of its own runs no fork handler: it must tell
	 * namspill of its first switch itself, even with the number its
	 * creator told with (pid 1 of another pid namespace), so neither
	 * counts as told (the creator tells again at its next switch). */
	if (!(flags & CLONE_VM))
		nsp_watch_forget_told();
}

/* The three optional arguments are always read: reading varargs the caller
 * did not pass only reads registers or stack slots, as in syscall() (not
 * an error, whatever ASan says of the caller's stack slot). */
__attribute__((visibility("default"), no_sanitize("address"))) int clone(int (*fn)(void *), void *stack, int flags,
						  void *arg, ...)
{
	va_list ap;
	void *ptid, *tls, *ctid;

	va_start(ap, arg);
	ptid = va_arg(ap, void *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, void *);
	va_end(ap);
	nsp_real_init();
	nsp_shim_note_clone((unsigned long)(unsigned)flags);
	return NSP_REAL(clone)(fn, stack, flags, arg, ptid, tls, ctid);
}
