/* setns, unshare, and syscall() when it names either. */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "real.h"
#include "rt/home.h"

void nsp_shim_note_clone(unsigned long flags);

/* Where the process started, before the first call that may move a
 * thread to another mount namespace (lib/rt/home.c). */
static void before_switch(long nr, long a, long b)
{
	if (nr == SYS_setns ? !b || (b & CLONE_NEWNS) : (a & CLONE_NEWNS) != 0)
		nsp_home_before_move();
}

/* The call itself.  Under namspill's supervisor it carries the watch key
 * (lib/base/watch.h), so the call goes through without a stop: we record
 * it here, once the supervisor was told (lib/rt/emit.c); untold, it goes
 * without the key and stops there.  The same system call the C library
 * makes, the same result. */
static long real_switch(long nr, long a, long b)
{
	long r;

	if (!nsp_opt.watch || nsp_watch_tell_switch())
		return nr == SYS_setns ? NSP_REAL(setns)((int)a, (int)b) : NSP_REAL(unshare)((int)a);
	r = nsp_watch_syscall(nr, a, b, 0, nsp_opt.watch);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* frame: the wrapper's own frame pointer; the stack is read from there
 * on, past the shim's frames without stepping through them. */
void nsp_shim_record_setns(int fd, unsigned long nstype, const void *frame)
{
	unsigned kinds = nstype ? nsp_kinds_of_flags(nstype) : nsp_kinds_of_nsfd(fd);

	nsp_record_switch_at(NSP_CALL_SETNS, kinds, fd, frame);
}

__attribute__((visibility("default"))) int setns(int fd, int nstype)
{
	int r, e;

	nsp_real_init();
	before_switch(SYS_setns, fd, nstype);
	r = (int)real_switch(SYS_setns, fd, nstype);
	e = errno;
	if (r == 0)
		nsp_shim_record_setns(fd, (unsigned)nstype, __builtin_frame_address(0));
	else
		nsp_record_failure_at(NSP_CALL_SETNS, (unsigned)nstype, fd, e,
				      __builtin_frame_address(0));
	errno = e;
	return r;
}

__attribute__((visibility("default"))) int unshare(int flags)
{
	int r, e;

	nsp_real_init();
	before_switch(SYS_unshare, flags, 0);
	r = (int)real_switch(SYS_unshare, flags, 0);
	e = errno;
	if (r == 0)
		nsp_record_switch_at(NSP_CALL_UNSHARE, nsp_kinds_of_flags((unsigned)flags), -1,
				     __builtin_frame_address(0));
	else
		nsp_record_failure_at(NSP_CALL_UNSHARE, (unsigned)flags, -1, e,
				      __builtin_frame_address(0));
	errno = e;
	return r;
}

/* syscall() passes six register-sized arguments through; reading more
 * varargs than the caller passed only reads registers or stack slots (the
 * sixth is the caller's stack slot, which ASan calls an underflow). */
__attribute__((visibility("default"), no_sanitize("address"))) long syscall(long nr, ...)
{
	va_list ap;
	long a[6], r;
	int e;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	nsp_real_init();
	if (nr == SYS_clone)
		nsp_shim_note_clone((unsigned long)a[0]);
	else if (nr == SYS_clone3)
	{
		/* flags sit behind a pointer: assume the worst, both ways */
		nsp_shim_note_clone(CLONE_VM | CLONE_THREAD);
		nsp_watch_forget_told();
	}
	else if (nr == SYS_exit_group || (nr == SYS_exit && nsp_proc_alone(0) == 1))
		/* The process ends here (exit of its last thread too): report
		 * first, as at exit(). */
		a[0] = nsp_final_exit((int)a[0]);
	if (nr == SYS_setns || nr == SYS_unshare)
		before_switch(nr, a[0], a[1]);
	if (nsp_opt.watch && (nr == SYS_setns || nr == SYS_unshare))
		r = real_switch(nr, a[0], a[1]);
	else
		r = NSP_REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (nr == SYS_setns || nr == SYS_unshare) {
		e = errno;
		if (r != 0)
			nsp_record_failure_at(nr == SYS_setns ? NSP_CALL_SETNS : NSP_CALL_UNSHARE,
					      (unsigned long)a[nr == SYS_setns],
					      nr == SYS_setns ? (int)a[0] : -1, e,
					      __builtin_frame_address(0));
		else if (nr == SYS_setns)
			nsp_shim_record_setns((int)a[0], (unsigned long)a[1],
					      __builtin_frame_address(0));
		else
			nsp_record_switch_at(NSP_CALL_UNSHARE, nsp_kinds_of_flags((unsigned long)a[0]),
					     -1, __builtin_frame_address(0));
		errno = e;
	}
	return r;
}
