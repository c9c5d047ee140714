/* Pure parts of the leak check: which threads an ignore leaves out, and
 * which threads a baseline already knew. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "api/api.h"

/* A thread started at pool_loop, created from spawn_pool (inlined into
 * server_start) called by main. */
static const char *const frames[] = { "spawn_pool", "server_start", "main", "__libc_start_main" };
static const struct nsp_leak_names pool_thread = {
	.tid = 42, .top = "pool_loop", .creator = frames, .ncreator = 2,
	.stack = frames, .nstack = 4,
};

static void no_ignore_ignores_nothing(void **state)
{
	struct namspill_ignore empty = { 0 };
	(void)state;
	assert_int_equal(nsp_ignore_match(NULL, &pool_thread), NSP_IGN_NONE);
	assert_int_equal(nsp_ignore_match(&empty, &pool_thread), NSP_IGN_NONE);
	assert_false(nsp_ignore_wants_names(&empty));
}

static void by_tid(void **state)
{
	const pid_t tids[] = { 7, 42, 0 };
	const pid_t others[] = { 7, 43, 0 };
	struct namspill_ignore a = { .tids = tids }, b = { .tids = others };
	(void)state;
	assert_int_equal(nsp_ignore_match(&a, &pool_thread), NSP_IGN_TID);
	assert_int_equal(nsp_ignore_match(&b, &pool_thread), NSP_IGN_NONE);
	assert_false(nsp_ignore_wants_names(&a)); /* tids need no symbols */
}

static void by_top_function_with_globs(void **state)
{
	const char *const exact[] = { "pool_loop", NULL };
	const char *const glob[] = { "x", "pool_*", NULL };
	const char *const other[] = { "pool", "loop", "*_loop_", NULL };
	struct namspill_ignore a = { .top_functions = exact }, b = { .top_functions = glob },
			       c = { .top_functions = other };
	(void)state;
	assert_int_equal(nsp_ignore_match(&a, &pool_thread), NSP_IGN_TOP);
	assert_int_equal(nsp_ignore_match(&b, &pool_thread), NSP_IGN_TOP);
	assert_int_equal(nsp_ignore_match(&c, &pool_thread), NSP_IGN_NONE);
	assert_true(nsp_ignore_wants_names(&a));
}

static void top_function_is_not_a_creator(void **state)
{
	const char *const top[] = { "pool_loop", NULL };
	const char *const creator[] = { "main", NULL };
	struct namspill_ignore a = { .creator_functions = top }, b = { .stack_functions = top },
			       c = { .top_functions = creator };
	(void)state;
	assert_int_equal(nsp_ignore_match(&a, &pool_thread), NSP_IGN_NONE);
	assert_int_equal(nsp_ignore_match(&b, &pool_thread), NSP_IGN_NONE);
	assert_int_equal(nsp_ignore_match(&c, &pool_thread), NSP_IGN_NONE);
}

/* The creator is the function that called pthread_create, and the one it
 * was inlined into; callers further out are not. */
static void by_creator_only_frame_zero(void **state)
{
	const char *const inner[] = { "spawn_pool", NULL };
	const char *const host[] = { "server_*", NULL };
	const char *const outer[] = { "main", NULL };
	struct namspill_ignore a = { .creator_functions = inner },
			       b = { .creator_functions = host },
			       c = { .creator_functions = outer };
	(void)state;
	assert_int_equal(nsp_ignore_match(&a, &pool_thread), NSP_IGN_CREATOR);
	assert_int_equal(nsp_ignore_match(&b, &pool_thread), NSP_IGN_CREATOR);
	assert_int_equal(nsp_ignore_match(&c, &pool_thread), NSP_IGN_NONE);
}

static void by_any_function_of_the_stack(void **state)
{
	const char *const outer[] = { "main", NULL };
	const char *const none[] = { "mai", "*start_main_", NULL };
	struct namspill_ignore a = { .stack_functions = outer }, b = { .stack_functions = none };
	(void)state;
	assert_int_equal(nsp_ignore_match(&a, &pool_thread), NSP_IGN_STACK);
	assert_int_equal(nsp_ignore_match(&b, &pool_thread), NSP_IGN_NONE);
}

static void unknown_names_match_nothing(void **state)
{
	const char *const all[] = { "*", NULL };
	struct nsp_leak_names bare = { .tid = 5 };
	struct namspill_ignore a = { .top_functions = all, .creator_functions = all,
				     .stack_functions = all };
	(void)state;
	assert_int_equal(nsp_ignore_match(&a, &bare), NSP_IGN_NONE);
	assert_int_equal(nsp_ignore_match(&a, &pool_thread), NSP_IGN_TOP);
}

static struct namspill_threads *baseline(size_t n, const struct nsp_tident *t)
{
	struct namspill_threads *b = malloc(sizeof(*b) + n * sizeof(*t));

	b->n = n;
	for (size_t i = 0; i < n; i++)
		b->t[i] = t[i];
	nsp_tident_sort(b->t, n);
	return b;
}

static void baseline_knows_its_threads(void **state)
{
	const struct nsp_tident t[] = { { 300, 9, 4 }, { 100, 5, 1 }, { 200, 7, 0 } };
	struct namspill_threads *b = baseline(3, t);
	struct nsp_tident same = { 100, 5, 1 }, fresh = { 150, 8, 6 };
	(void)state;
	assert_int_equal(b->t[0].tid, 100);
	assert_int_equal(b->t[2].tid, 300);
	assert_true(nsp_tident_known(b, &same));
	assert_false(nsp_tident_known(b, &fresh));
	free(b);
}

/* A reused tid is a new thread: the start time or the record differs. */
static void reused_tid_is_a_new_thread(void **state)
{
	const struct nsp_tident t[] = { { 100, 5, 1 } };
	struct namspill_threads *b = baseline(1, t);
	struct nsp_tident later = { 100, 6, 1 }, other_record = { 100, 5, 9 };
	(void)state;
	assert_false(nsp_tident_known(b, &later));
	assert_false(nsp_tident_known(b, &other_record));
	free(b);
}

/* A record appears late (a thread not created through our wrapper) or
 * goes early (a thread ending): an unknown seq does not make it new. */
static void unknown_record_is_no_evidence(void **state)
{
	const struct nsp_tident t[] = { { 100, 5, 0 }, { 200, 7, 3 } };
	struct namspill_threads *b = baseline(2, t);
	struct nsp_tident got_record = { 100, 5, 8 }, lost_record = { 200, 7, 0 };
	(void)state;
	assert_true(nsp_tident_known(b, &got_record));
	assert_true(nsp_tident_known(b, &lost_record));
	free(b);
}

static void empty_baseline_knows_nothing(void **state)
{
	struct namspill_threads *b = baseline(0, NULL);
	struct nsp_tident any = { 1, 1, 1 };
	(void)state;
	assert_false(nsp_tident_known(b, &any));
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_ignore_ignores_nothing),
		cmocka_unit_test(by_tid),
		cmocka_unit_test(by_top_function_with_globs),
		cmocka_unit_test(top_function_is_not_a_creator),
		cmocka_unit_test(by_creator_only_frame_zero),
		cmocka_unit_test(by_any_function_of_the_stack),
		cmocka_unit_test(unknown_names_match_nothing),
		cmocka_unit_test(baseline_knows_its_threads),
		cmocka_unit_test(reused_tid_is_a_new_thread),
		cmocka_unit_test(unknown_record_is_no_evidence),
		cmocka_unit_test(empty_baseline_knows_nothing),
	};
	return cmocka_run_group_tests_name("api_ignore", tests, NULL, NULL);
}
