/* A spilled thread's path and the namespaces that follow from what a
 * source knows (lib/report/path.c), from a source made up here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"

#define NET 3 /* the kind of CLONE_NEWNET */
#define HOME 100
#define A 200
#define B 300

struct fake {
	struct nsp_step path[NSP_PATH_MAX], failed[NSP_FAILED_MAX];
	size_t npath, nfailed, dropped;
	unsigned home;       /* of the spilled thread (tid 2) */
	uint64_t main_cause; /* main's cause for net (0: it never switched) */
};

static struct nsp_arena a;

static int thread_of(const struct nsp_records *src, pid_t tid, struct nsp_rec_thread *out)
{
	const struct fake *f = src->ctx;

	memset(out, 0, sizeof(*out));
	out->tid = tid;
	out->home = tid == 1 ? ~0u : f->home;
	out->cause[NET] = tid == 1 ? f->main_cause : 0;
	return 0;
}

static size_t path_of(const struct nsp_records *src, pid_t tid, int kind, struct nsp_step *out,
		      size_t cap, size_t *dropped)
{
	const struct fake *f = src->ctx;

	(void)tid, (void)cap;
	assert_int_equal(kind, NET);
	memcpy(out, f->path, f->npath * sizeof(*out));
	*dropped = f->dropped;
	return f->npath;
}

static size_t failures_of(const struct nsp_records *src, pid_t tid, int kind,
			  struct nsp_step *out, size_t cap, size_t *dropped)
{
	const struct fake *f = src->ctx;

	(void)tid, (void)kind, (void)cap;
	memcpy(out, f->failed, f->nfailed * sizeof(*out));
	*dropped = 0;
	return f->nfailed;
}

static struct nsp_step step(uint64_t seq, uint64_t from, uint64_t to)
{
	return (struct nsp_step){ .call = NSP_CALL_SETNS, .kinds = 1u << NET, .tid = 2, .seq = seq,
				  .from = from, .to = to, .target_type = -1 };
}

/* The report of a process (main 1) whose thread 2 is spilled in net:[A],
 * its cause the call of sequence cause_seq. */
static const struct nsp_spill *explain(struct fake *f, uint64_t cause_seq)
{
	static struct nsp_report r;
	static struct nsp_spill s;
	static struct nsp_cause c;
	struct nsp_records src = { thread_of, NULL, NULL, f, path_of, failures_of };

	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	r.pid = 1;
	r.verdict.majority[NAMSPILL_NS_NET] = (struct namspill_nsid){ 5, HOME };
	s.tid = 2;
	s.type = NAMSPILL_NS_NET;
	s.ns = (struct namspill_nsid){ 5, A };
	c.seq = cause_seq;
	s.cause = &c;
	r.spills = &s;
	r.nspills = 1;
	nsp_explain_path(&r, &s, &src, &a);
	return &s;
}

static void the_last_step_led_to_where_the_thread_is(void **state)
{
	struct fake f = { .npath = 3, .path = { step(5, 0, 0), step(6, 0, 0), step(7, 0, 0) } };
	const struct nsp_spill *s = explain(&f, 7);
	(void)state;

	assert_int_equal(s->npath, 3);
	assert_int_equal(s->path[2].to, A);
	assert_int_equal(s->path[2].from, 0);
	assert_int_equal(s->path[0].to, 0);
}

static void a_failed_call_says_where_the_step_before_led(void **state)
{
	struct fake f = { .npath = 3, .path = { step(5, 0, 0), step(8, 0, 0), step(9, 0, 0) },
			  .nfailed = 1, .failed = { step(6, B, B) } };
	const struct nsp_spill *s;
	(void)state;

	f.failed[0].err = 1;
	s = explain(&f, 9);
	assert_int_equal(s->nfailed, 1);
	assert_int_equal(s->path[0].to, B);   /* the switch before the failure */
	assert_int_equal(s->path[1].from, B); /* and the one after it */
	assert_int_equal(s->path[1].to, 0);
	assert_int_equal(s->path[2].from, 0);
	assert_int_equal(s->path[2].to, A);
}

static void known_ends_meet(void **state)
{
	struct fake f = { .npath = 3, .path = { step(5, HOME, 0), step(6, B, 0), step(7, 0, A) } };
	const struct nsp_spill *s = explain(&f, 7);
	(void)state;

	assert_int_equal(s->path[0].to, B);
	assert_int_equal(s->path[1].to, 0);
	assert_int_equal(s->path[2].from, 0);
}

static void a_thread_born_at_home_starts_there_if_main_never_switched(void **state)
{
	struct fake f = { .npath = 1, .path = { step(5, 0, 0) }, .home = ~0u };
	(void)state;

	assert_int_equal(explain(&f, 5)->path[0].from, HOME);
	f.main_cause = 42; /* main switched net: where the process started is not known */
	assert_int_equal(explain(&f, 5)->path[0].from, 0);
	f.main_cause = 0;
	f.dropped = 1; /* its first switches were not kept */
	assert_int_equal(explain(&f, 5)->path[0].from, 0);
	f.dropped = 0;
	f.home = 0; /* born where its creator's call took it */
	assert_int_equal(explain(&f, 5)->path[0].from, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_last_step_led_to_where_the_thread_is),
		cmocka_unit_test(a_failed_call_says_where_the_step_before_led),
		cmocka_unit_test(known_ends_meet),
		cmocka_unit_test(a_thread_born_at_home_starts_there_if_main_never_switched),
	};

	if (nsp_arena_init(&a, 16 << 20))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
