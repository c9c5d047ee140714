/* The stack walker gives what libunwind gives, frame for frame: shallow,
 * deep, alloca, threads, signal handlers; it hands frames it cannot follow
 * to libunwind, and forgets its rules when code is unloaded. */
#include <errno.h>
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rt/unwind.h"

#define MAX 64

static int (*unw_bt)(void **, int);

struct trace {
	uintptr_t walk[MAX];
	void *ref[MAX];
	int nwalk, nref;
};

/* Both from the same frame.  walk[0] is inside nsp_walk and walk[1] its
 * return address here; ref[0] is the return address of unw_backtrace here:
 * from the caller of grab on, walk[i + 1] must equal ref[i]. */
__attribute__((noinline)) static void grab(struct trace *t, uint64_t gen, int flags)
{
	t->nwalk = nsp_walk(t->walk, MAX, gen, flags, NULL);
	t->nref = unw_bt(t->ref, MAX - 1);
	__asm__ volatile("" ::: "memory");
}

static void same_as_libunwind(const struct trace *t)
{
	assert_true(t->nwalk > 2);
	assert_int_equal(t->nwalk - 1, t->nref);
	for (int i = 1; i < t->nref; i++)
		assert_int_equal(t->walk[i + 1], (uintptr_t)t->ref[i]);
}

static void shallow(void **state)
{
	struct trace t;
	(void)state;
	grab(&t, nsp_walk_gen(), NSP_WALK_MAY_MISS);
	same_as_libunwind(&t);
}

__attribute__((noinline)) static int deep(struct trace *t, int n)
{
	volatile int r = 0;

	if (n)
		r = deep(t, n - 1);
	else
		grab(t, nsp_walk_gen(), NSP_WALK_MAY_MISS);
	return r;
}

static void deep_stack_is_cut_at_max(void **state)
{
	struct trace t;
	(void)state;
	deep(&t, 100);
	same_as_libunwind(&t);
	assert_int_equal(t.nwalk, MAX);
}

/* A variable-length array: the frame is addressed from rbp. */
__attribute__((noinline)) static void with_vla(struct trace *t, int n)
{
	volatile char buf[n];

	buf[0] = 1;
	grab(t, nsp_walk_gen(), NSP_WALK_MAY_MISS);
	buf[n - 1] = buf[0];
}

static void alloca_frame(void **state)
{
	struct trace t;
	(void)state;
	with_vla(&t, 1000);
	same_as_libunwind(&t);
}

static void *in_thread(void *p)
{
	grab(p, nsp_walk_gen(), NSP_WALK_MAY_MISS);
	return NULL;
}

static void thread_stack_ends_at_clone(void **state)
{
	struct trace t;
	pthread_t th;
	(void)state;
#ifdef __SANITIZE_THREAD__
	/* unw_backtrace leaves the thread a cache whose TSD destructor asks
	 * to run last, as ThreadSanitizer's does; TSan's runs first and the
	 * cache's then locks a mutex on a thread TSan has torn down. */
	skip();
#endif
	pthread_create(&th, NULL, in_thread, &t);
	pthread_join(th, NULL);
	same_as_libunwind(&t);
}

static struct trace in_handler;

static void handler(int sig)
{
	(void)sig;
	grab(&in_handler, nsp_walk_gen(), NSP_WALK_MAY_MISS);
}

static void through_a_signal_frame(void **state)
{
	(void)state;
	signal(SIGUSR1, handler);
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	same_as_libunwind(&in_handler);
}

#include "../prog/odd_frame.h"

static void grab_may_miss(void *t)
{
	grab(t, nsp_walk_gen(), NSP_WALK_MAY_MISS);
}

static void expression_frames_go_to_libunwind(void **state)
{
	struct trace t;
	(void)state;
	odd_frame(grab_may_miss, &t);
	assert_int_equal(t.nwalk, -ENOTSUP);
	assert_true(t.nref > 3); /* libunwind follows it */
}

/* Rules are per call site: one grab() call, run round after round. */
static void known_rules_only_without_may_miss(void **state)
{
	struct trace t;
	(void)state;
	for (int round = 0; round < 6; round++) {
		uint64_t gen = round == 0 ? NSP_WALK_NOCACHE : nsp_walk_gen();
		int flags = round == 1 || round == 4 ? NSP_WALK_MAY_MISS : 0;

		if (round == 3) {
			nsp_walk_unloading(0);
			assert_true(nsp_walk_gen() == NSP_WALK_NOCACHE); /* unloading now */
			nsp_walk_unloading(1);
			gen = nsp_walk_gen();
			assert_true(gen != NSP_WALK_NOCACHE);
		}
		grab(&t, gen, flags);
		if (round == 0 || round == 3)
			assert_int_equal(t.nwalk, -ENOTSUP); /* nothing to go on; older rules */
		else
			same_as_libunwind(&t); /* worked out (1, 4), then known (2, 5) */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shallow),
		cmocka_unit_test(deep_stack_is_cut_at_max),
		cmocka_unit_test(alloca_frame),
		cmocka_unit_test(thread_stack_ends_at_clone),
		cmocka_unit_test(through_a_signal_frame),
		cmocka_unit_test(expression_frames_go_to_libunwind),
		cmocka_unit_test(known_rules_only_without_may_miss),
	};
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);

	if (!h || !(*(void **)&unw_bt = dlsym(h, "unw_backtrace"))) {
		printf("1..0 # skip libunwind.so.8 not found\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
