/* pthread_create and pthread_exit.  The new thread starts in a trampoline
 * that binds it to the record its creator prepared; a cleanup handler
 * notices its end however it ends (return, pthread_exit, cancellation). */
#include <errno.h>
#include <pthread.h>

#include "real.h"

static void on_end(void *unused)
{
	(void)unused;
	nsp_thread_end();
}

/* Runs before a sanitizer runtime's own start function has set up the
 * thread: see NSP_RUNTIME_SAFE. */
NSP_RUNTIME_SAFE static void *trampoline(void *p)
{
	struct nsp_thread *t = p;
	void *(*start)(void *), *arg, *ret;

	/* Written first: the record's line comes from the creator's CPU
	 * once, for writing, not for reading and then again for writing. */
	nsp_thread_begin(t);
	start = t->start;
	arg = t->arg;
	pthread_cleanup_push(on_end, NULL);
	ret = start(arg);
	pthread_cleanup_pop(1);
	return ret;
}

__attribute__((visibility("default"))) int pthread_create(pthread_t *th, const pthread_attr_t *attr,
							   void *(*start)(void *), void *arg)
{
	struct nsp_thread *t;
	int e = errno, r;

	nsp_real_init();
	nsp_mark_threads();
	t = nsp_thread_prepare_at(start, arg, __builtin_frame_address(0));
	errno = e;
	if (!t)
		return NSP_REAL(pthread_create)(th, attr, start, arg);
	r = NSP_REAL(pthread_create)(th, attr, trampoline, t);
	e = errno;
	if (r)
		nsp_thread_abandon(t);
	else
		nsp_thread_created();
	errno = e;
	return r;
}

__attribute__((visibility("default"))) void pthread_exit(void *ret)
{
	nsp_real_init();
	nsp_thread_end();
	NSP_REAL(pthread_exit)(ret);
}
