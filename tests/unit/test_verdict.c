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

/* Records for ties: the uts switches of the tids listed in ctx (0-ended),
 * and how often the verdict asked. */
static int asked;

static unsigned uts_moved(const struct nsp_moved *m, const struct namspill_task *t)
{
	asked++;
	for (const pid_t *p = m->ctx; *p; p++)
		if (*p == t->tid)
			return 1u << NAMSPILL_NS_UTS;
	return 0;
}

/* nsp_moved.entered: the uts switches of came_back's tids (0-ended) took
 * them into uts 20 once (they went there and came back); no other. */
static const pid_t *came_back;

static int uts_entered(const struct nsp_moved *m, const struct namspill_task *t, int type,
		       const struct namspill_nsid *ns)
{
	(void)m;
	for (const pid_t *p = came_back; p && *p; p++)
		if (*p == t->tid && type == NAMSPILL_NS_UTS && ns->ino == 20)
			return 1;
	return 0;
}

static struct nsp_verdict verdict_with(const struct namspill_task *t, size_t n, pid_t main_tid,
				       const pid_t *moved)
{
	struct nsp_verdict v;
	struct nsp_moved m = { uts_moved, moved, uts_entered };
	void *work = malloc(nsp_majority_work(n));

	asked = 0;
	nsp_majority(t, n, main_tid, moved ? &m : NULL, &v, work);
	free(work);
	return v;
}

static struct nsp_verdict verdict(const struct namspill_task *t, size_t n, pid_t main_tid)
{
	return verdict_with(t, n, main_tid, NULL);
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

/* 1:1, the main thread (tid 1) moved: the worker's side has no recorded
 * switch and is home, so main is the spill; the other way round main's
 * side is.  Without records the tie goes to main, as before. */
static void tie_goes_to_the_side_without_a_recorded_switch(void **state)
{
	struct namspill_task t[] = { task(1, 10, 21), task(2, 10, 20) };
	struct nsp_verdict v;
	(void)state;
	v = verdict_with(t, 2, 1, (const pid_t[]){ 1, 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 20);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_UNMOVED);
	assert_string_equal(nsp_tie_name(v.tie[NAMSPILL_NS_UTS]), "unmoved");
	assert_true(nsp_spilled(&t[0], &v, NAMSPILL_NS_UTS));
	assert_int_equal(v.tie[NAMSPILL_NS_NET], NSP_TIE_NONE);
	t[0].ns[NAMSPILL_NS_UTS].ino = 20;
	t[1].ns[NAMSPILL_NS_UTS].ino = 21;
	v = verdict_with(t, 2, 1, (const pid_t[]){ 2, 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 20);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_UNMOVED);
	assert_true(nsp_spilled(&t[1], &v, NAMSPILL_NS_UTS));
	v = verdict(t, 2, 1);
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 20);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_MAIN);
}

/* Records on both sides (a thread went there and back) or on neither:
 * the main thread's side; without the main thread, the lower inode. */
static void tie_records_cannot_decide_then_main_then_inode(void **state)
{
	struct namspill_task t[] = { task(1, 10, 21), task(2, 10, 20), task(3, 10, 21),
				     task(4, 10, 20) };
	struct nsp_verdict v;
	(void)state;
	v = verdict_with(t, 4, 1, (const pid_t[]){ 1, 2, 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 21);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_MAIN);
	v = verdict_with(t, 4, 1, (const pid_t[]){ 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 21);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_MAIN);
	v = verdict_with(t, 4, 99, (const pid_t[]){ 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 20);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_INODE);
	/* Three sides of one thread each, one unmoved: it is home. */
	t[3].ns[NAMSPILL_NS_UTS].ino = 22;
	t[2].ns[NAMSPILL_NS_UTS].ino = 23;
	v = verdict_with(t, 4, 1, (const pid_t[]){ 1, 2, 3, 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 22);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_UNMOVED);
}

/* Records are asked only of a tie's threads, and only when there is one. */
static void no_tie_asks_no_records(void **state)
{
	struct namspill_task t[] = { task(1, 10, 20), task(2, 10, 20), task(3, 11, 21) };
	struct nsp_verdict v = verdict_with(t, 3, 1, (const pid_t[]){ 1, 0 });
	(void)state;
	assert_int_equal(asked, 0);
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 20);
	for (int type = 0; type < NAMSPILL_NS_COUNT; type++)
		assert_int_equal(v.tie[type], NSP_TIE_NONE);
	assert_null(nsp_tie_name(NSP_TIE_NONE));
}

/* Main (tid 1) never switched uts; the three others all did, by a
 * recorded call: main's side is home although it has fewer threads.  One
 * of the three without a record, or main with one, and the count decides. */
static void main_unmoved_is_home_when_every_other_thread_moved(void **state)
{
	struct namspill_task t[] = { task(1, 10, 20), task(2, 10, 21), task(3, 10, 21),
				     task(4, 10, 21) };
	struct nsp_verdict v;
	(void)state;
	v = verdict_with(t, 4, 1, (const pid_t[]){ 2, 3, 4, 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 20);
	assert_int_equal(v.count[NAMSPILL_NS_UTS], 1);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_HOME_MAIN);
	assert_string_equal(nsp_tie_name(v.tie[NAMSPILL_NS_UTS]), "main_unmoved");
	for (int i = 1; i < 4; i++)
		assert_true(nsp_spilled(&t[i], &v, NAMSPILL_NS_UTS));
	assert_false(nsp_spilled(&t[0], &v, NAMSPILL_NS_UTS));
	assert_int_equal(v.tie[NAMSPILL_NS_NET], NSP_TIE_NONE);
	v = verdict_with(t, 4, 1, (const pid_t[]){ 2, 3, 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 21);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_NONE);
	v = verdict_with(t, 4, 1, (const pid_t[]){ 1, 2, 3, 4, 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 21);
	v = verdict(t, 4, 1);
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 21);
	/* The main thread unknown (ended, unreadable): the count. */
	v = verdict_with(t, 4, 99, (const pid_t[]){ 2, 3, 4, 0 });
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 21);
	/* One of the three had been in main's namespace and came back by a
	 * recorded call: main moved unseen, the count decides. */
	came_back = (const pid_t[]){ 3, 0 };
	v = verdict_with(t, 4, 1, (const pid_t[]){ 2, 3, 4, 0 });
	came_back = NULL;
	assert_int_equal(v.majority[NAMSPILL_NS_UTS].ino, 21);
	assert_int_equal(v.tie[NAMSPILL_NS_UTS], NSP_TIE_NONE);
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

/* nsp_leave_out: ctx lists the tids to leave out (0-ended); every tid
 * asked is noted in order. */
static pid_t asked_tids[64];
static size_t nasked;

static size_t nbatches;

static void leave(void *ctx, struct namspill_task *t, const size_t *idx, size_t k,
		  unsigned char *left)
{
	nbatches++;
	for (size_t j = 0; j < k; j++) {
		pid_t tid = t[idx[j]].tid;
		asked_tids[nasked++] = tid;
		left[j] = 0;
		for (const pid_t *p = ctx; *p; p++)
			if (*p == tid)
				left[j] = 1;
	}
}

static size_t leave_out(struct namspill_task *t, size_t n, const pid_t *out)
{
	struct nsp_verdict v = verdict(t, n, t[0].tid);
	void *work = malloc(nsp_leave_out_work(n));
	size_t k;

	assert_non_null(work);
	nasked = nbatches = 0;
	k = nsp_leave_out(t, n, &v, leave, (void *)out, work);
	free(work);
	return k;
}

static int was_asked(pid_t tid)
{
	for (size_t i = 0; i < nasked; i++)
		if (asked_tids[i] == tid)
			return 1;
	return 0;
}

/* 20 threads at home, 3 spilled to one net namespace: the spilled are
 * asked, then home threads only until 4 count; one of those is left out,
 * so a fifth is asked.  The rest can no longer change the verdict.  Three
 * batches: the spilled, the four home threads the count lacked, the one
 * more. */
static void leave_out_asks_only_what_can_change_the_verdict(void **state)
{
	struct namspill_task t[23];
	const pid_t out[] = { 2, 0 };
	size_t k;
	(void)state;
	for (int i = 0; i < 20; i++)
		t[i] = task(i + 1, 10, 20);
	for (int i = 20; i < 23; i++)
		t[i] = task(i + 1, 11, 20);
	k = leave_out(t, 23, out);
	assert_int_equal(nasked, 3 + 5);
	assert_int_equal(nbatches, 3);
	for (pid_t tid = 21; tid <= 23; tid++)
		assert_true(was_asked(tid));
	for (pid_t tid = 1; tid <= 5; tid++)
		assert_true(was_asked(tid));
	assert_false(was_asked(6));
	assert_int_equal(k, 22);
	assert_int_equal(t[1].tid, 3); /* 2 dropped, order kept */
	assert_int_equal(t[21].tid, 23);
}

/* Home's count must beat every spilled thread of the type together, not
 * only the largest group: 3 home, spilled 2 + 2 in two namespaces. */
static void leave_out_counts_all_rivals(void **state)
{
	struct namspill_task t[] = { task(1, 10, 20), task(2, 10, 20), task(3, 10, 20),
				     task(4, 11, 20), task(5, 11, 20), task(6, 12, 20),
				     task(7, 12, 20) };
	const pid_t none[] = { 0 };
	(void)state;
	assert_int_equal(leave_out(t, 7, none), 7);
	assert_int_equal(nasked, 7);
}

/* The workers of an io_uring ring outvote the main thread, which alone
 * moved: the spilled main thread is asked, then every home thread (each
 * a worker, left out) before anything is settled; main is all that is left. */
static void leave_out_reads_all_when_the_majority_goes(void **state)
{
	struct namspill_task t[] = { task(1, 11, 20), task(2, 10, 20), task(3, 10, 20) };
	const pid_t out[] = { 2, 3, 0 };
	struct nsp_verdict v;
	(void)state;
	assert_int_equal(leave_out(t, 3, out), 1);
	assert_int_equal(nasked, 3);
	assert_int_equal(t[0].tid, 1);
	v = verdict(t, 1, 1);
	assert_false(nsp_spilled(&t[0], &v, NAMSPILL_NS_NET));
}

/* A tie is never settled early; and when every thread would be left out,
 * all are kept as they were read. */
static void leave_out_ties_and_all_left_out(void **state)
{
	struct namspill_task t[] = { task(1, 10, 20), task(2, 10, 20), task(3, 11, 20),
				     task(4, 11, 20) };
	const pid_t none[] = { 0 }, all[] = { 1, 2, 3, 4, 0 };
	(void)state;
	assert_int_equal(leave_out(t, 4, none), 4);
	assert_int_equal(nasked, 4);
	assert_int_equal(leave_out(t, 4, all), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(t[i].tid, i + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(majority_wins),
		cmocka_unit_test(tie_goes_to_main_thread),
		cmocka_unit_test(tie_goes_to_the_side_without_a_recorded_switch),
		cmocka_unit_test(tie_records_cannot_decide_then_main_then_inode),
		cmocka_unit_test(no_tie_asks_no_records),
		cmocka_unit_test(main_unmoved_is_home_when_every_other_thread_moved),
		cmocka_unit_test(plurality_not_absolute_majority),
		cmocka_unit_test(unreadable_entries_do_not_vote_or_spill),
		cmocka_unit_test(same_inode_other_device_differs),
		cmocka_unit_test(many_threads),
		cmocka_unit_test(leave_out_asks_only_what_can_change_the_verdict),
		cmocka_unit_test(leave_out_counts_all_rivals),
		cmocka_unit_test(leave_out_reads_all_when_the_majority_goes),
		cmocka_unit_test(leave_out_ties_and_all_left_out),
	};
	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
