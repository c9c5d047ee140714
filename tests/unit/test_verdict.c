/* The majority verdict. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/nstype.h"
#include "base/verdict.h"

static struct namspill_task task(pid_t tid, uint64_t net, uint64_t uts)
{
	struct namspill_task t;

	memset(&t, 0, sizeof(t));
	t.tid = tid;
	for (int i = 0; i < NAMSPILL_NS_COUNT; i++)
		t.ns[i] = (struct namspill_nsid){ 1, 100 + (uint64_t)i };
	t.ns[NAMSPILL_NS_NET].ino = net;
	t.ns[NAMSPILL_NS_UTS].ino = uts;
	return t;
}

static struct nsp_verdict verdict(const struct namspill_task *t, size_t n, pid_t main_tid)
{
	struct nsp_verdict v;
	void *work = malloc(nsp_majority_work(n));

	nsp_majority(t, n, main_tid, &v, work);
	free(work);
	return v;
}

static void majority_wins(void **state)
{
	struct namspill_task t[] = { task(1, 10, 20), task(2, 10, 20), task(3, 11, 20) };
	struct nsp_verdict v = verdict(t, 3, 1);
	(void)state;
	assert_int_equal(v.majority[NAMSPILL_NS_NET].ino, 10);
	assert_int_equal(v.count[NAMSPILL_NS_NET], 2);
	assert_true(nsp_spilled(&t[2], &v, NAMSPILL_NS_NET));
	assert_false(nsp_spilled(&t[0], &v, NAMSPILL_NS_NET));
	assert_false(nsp_spilled(&t[2], &v, NAMSPILL_NS_UTS));
}

static void tie_goes_to_main_thread(void **state)
{
	struct namspill_task t[] = { task(5, 11, 20), task(7, 10, 20), task(9, 11, 20),
				     task(6, 10, 20) };
	(void)state;
	/* main tid 7 is in 10; 10 and 11 have two threads each */
	assert_int_equal(verdict(t, 4, 7).majority[NAMSPILL_NS_NET].ino, 10);
	assert_int_equal(verdict(t, 4, 5).majority[NAMSPILL_NS_NET].ino, 11);
}

static void plurality_not_absolute_majority(void **state)
{
	struct namspill_task t[] = { task(1, 10, 0), task(2, 11, 0), task(3, 12, 0),
				     task(4, 12, 0), task(5, 13, 0) };
	(void)state;
	assert_int_equal(verdict(t, 5, 1).majority[NAMSPILL_NS_NET].ino, 12);
}

static void unreadable_entries_do_not_vote_or_spill(void **state)
{
	struct namspill_task t[] = { task(1, 10, 0), task(2, 10, 0), task(3, 10, 0) };
	struct nsp_verdict v = verdict(t, 3, 1);
	(void)state;
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 0);
	assert_false(nsp_spilled(&t[0], &v, NAMSPILL_NS_UTS));
}

static void same_inode_other_device_differs(void **state)
{
	struct namspill_task t[] = { task(1, 10, 20), task(2, 10, 20), task(3, 10, 20) };
	struct nsp_verdict v;
	(void)state;
	t[2].ns[NAMSPILL_NS_NET].dev = 2;
	v = verdict(t, 3, 1);
	assert_true(nsp_spilled(&t[2], &v, NAMSPILL_NS_NET));
}

static void many_threads(void **state)
{
	enum { N = 10000 };
	struct namspill_task *t = calloc(N, sizeof(*t));
	struct nsp_verdict v;
	size_t spilled = 0;
	(void)state;
	for (int i = 0; i < N; i++)
		t[i] = task(i + 1, i % 7 == 0 ? 1000 + (uint64_t)i : 10, 20);
	v = verdict(t, N, 1);
	for (int i = 0; i < N; i++)
		spilled += (size_t)nsp_spilled(&t[i], &v, NAMSPILL_NS_NET);
	assert_int_equal(v.majority[NAMSPILL_NS_NET].ino, 10);
	assert_int_equal(spilled, (N + 6) / 7);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(majority_wins),
		cmocka_unit_test(tie_goes_to_main_thread),
		cmocka_unit_test(plurality_not_absolute_majority),
		cmocka_unit_test(unreadable_entries_do_not_vote_or_spill),
		cmocka_unit_test(same_inode_other_device_differs),
		cmocka_unit_test(many_threads),
	};
	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
