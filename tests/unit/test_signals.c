/* Signal names, the signals= and report_signal= options, and the frame
 * protocol between a signal-time report and namspill-symbolize. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/arena.h"
#include "base/options.h"
#include "base/out.h"
#include "base/signame.h"
#include "report/sym.h"

static int warnings;

static void warn(const char *msg, const char *key, const char *val)
{
	(void)msg;
	(void)key;
	(void)val;
	warnings++;
}

static struct nsp_options parse(const char *s)
{
	struct nsp_options o;

	warnings = 0;
	nsp_options_defaults(&o);
	nsp_options_parse(&o, s, warn);
	return o;
}

static void names_both_ways(void **state)
{
	char buf[NSP_SIGNAME_MAX];
	(void)state;
	assert_string_equal(nsp_sig_name(SIGTERM, buf), "SIGTERM");
	assert_string_equal(nsp_sig_name(SIGSEGV, buf), "SIGSEGV");
	assert_string_equal(nsp_sig_name(34, buf), "SIGRTMIN+2");
	assert_string_equal(nsp_sig_name(0, buf), "SIG0");
	assert_int_equal(nsp_sig_parse("SIGTERM", 7), SIGTERM);
	assert_int_equal(nsp_sig_parse("term", 4), SIGTERM);
	assert_int_equal(nsp_sig_parse("15", 2), 15);
	assert_int_equal(nsp_sig_parse("RTMIN+2", 7), 34);
	assert_int_equal(nsp_sig_parse("SIGRTMIN+40", 11), -EINVAL);
	assert_int_equal(nsp_sig_parse("SIG", 3), -EINVAL);
	assert_int_equal(nsp_sig_parse("65", 2), -EINVAL);
	assert_int_equal(nsp_sig_parse("", 0), -EINVAL);
	for (int sig = 1; sig <= NSP_SIG_MAX; sig++) {
		const char *n = nsp_sig_name(sig, buf);
		assert_int_equal(nsp_sig_parse(n, strlen(n)), sig);
	}
}

static void default_actions(void **state)
{
	(void)state;
	assert_true(nsp_sig_fatal_by_default(SIGTERM));
	assert_true(nsp_sig_fatal_by_default(SIGUSR2));
	assert_true(nsp_sig_fatal_by_default(40));
	assert_false(nsp_sig_fatal_by_default(SIGCHLD));
	assert_false(nsp_sig_fatal_by_default(SIGWINCH));
	assert_false(nsp_sig_fatal_by_default(SIGTSTP));
}

static void signals_option(void **state)
{
	struct nsp_options o = parse(NULL);
	uint64_t def = o.signals;
	(void)state;
	assert_true(def & NSP_SIGBIT(SIGTERM));
	assert_true(def & NSP_SIGBIT(SIGSEGV));
	assert_false(def & NSP_SIGBIT(SIGUSR1));
	o = parse("signals=none");
	assert_int_equal(o.signals, 0);
	o = parse("signals=TERM+SIGINT|usr1");
	assert_int_equal(o.signals, NSP_SIGBIT(SIGTERM) | NSP_SIGBIT(SIGINT) | NSP_SIGBIT(SIGUSR1));
	o = parse("signals='TERM, HUP':exitcode=4");
	assert_int_equal(o.signals, NSP_SIGBIT(SIGTERM) | NSP_SIGBIT(SIGHUP));
	assert_int_equal(o.exitcode, 4);
	assert_int_equal(warnings, 0);
	for (const char **b = (const char *[]){ "signals=KILL", "signals=STOP", "signals=CHLD",
						 "signals=TERM+BOGUS", "signals=", "signals=+",
						 NULL }; *b; b++) {
		o = parse(*b);
		assert_int_equal(warnings, 1);
		assert_int_equal(o.signals, def);
	}
}

static void report_signal_option(void **state)
{
	struct nsp_options o = parse("report_signal=SIGUSR2");
	(void)state;
	assert_int_equal(o.report_signal, SIGUSR2);
	o = parse("report_signal=0");
	assert_int_equal(o.report_signal, 0);
	o = parse("report_signal=KILL");
	assert_int_equal(warnings, 1);
	assert_int_equal(o.report_signal, 0);
}

/* Frames through the protocol come back as they went, escapes included. */
static void protocol_round_trip(void **state)
{
	struct nsp_frame in[3] = {
		{ .ip = 0x1234, .function = "inner\tname", .module = "/lib/a b.so",
		  .offset = 0x34, .file = "x\\y\n.c", .line = 7, .inlined = 1 },
		{ .ip = 0x1234, .function = "outer", .module = "/lib/a b.so", .offset = 0x34 },
		{ .ip = 0x9999 },
	}, out[NSP_MAX_INLINE];
	struct nsp_arena a;
	struct nsp_symtab t;
	struct nsp_out o;
	char buf[4096];
	int p[2];
	ssize_t n;
	(void)state;
	assert_int_equal(pipe(p), 0);
	nsp_out_init(&o, p[1]);
	nsp_proto_head(&o, 0x1234, 2);
	nsp_proto_frame(&o, &in[0]);
	nsp_proto_frame(&o, &in[1]);
	nsp_proto_head(&o, 0x9999, 1);
	nsp_proto_frame(&o, &in[2]);
	assert_int_equal(nsp_out_flush(&o), 0);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_true(n > 0);
	assert_int_equal(nsp_arena_init(&a, 1 << 20), 0);
	nsp_proto_parse(buf, (size_t)n, &a, &t);
	assert_int_equal(t.n, 2);
	assert_int_equal(nsp_symtab_frames(&t, 0x1234, out, NSP_MAX_INLINE), 2);
	assert_string_equal(out[0].function, "inner\tname");
	assert_string_equal(out[0].module, "/lib/a b.so");
	assert_string_equal(out[0].file, "x\\y\n.c");
	assert_int_equal(out[0].offset, 0x34);
	assert_int_equal(out[0].line, 7);
	assert_int_equal(out[0].inlined, 1);
	assert_string_equal(out[1].function, "outer");
	assert_null(out[1].file);
	assert_int_equal(nsp_symtab_frames(&t, 0x9999, out, NSP_MAX_INLINE), 1);
	assert_null(out[0].function);
	assert_null(out[0].module);
	assert_int_equal(nsp_symtab_frames(&t, 0x5555, out, NSP_MAX_INLINE), 0);
	nsp_arena_fini(&a);
}

/* A cut or garbled answer keeps what parsed and drops the rest. */
static void protocol_damage(void **state)
{
	const char *cases[] = {
		"@10 1\n0\t-\t0\tf\t\t\n@20 2\n0\t-\t0\tg\t\t\n",  /* second entry cut */
		"@10 1\n0\t-\t0\tf\t\t\n@zz 1\n0\t-\t0\th\t\t\n", /* bad ip */
		"@10 1\n0\t-\t0\tf\t\t\n@20 99\n",                   /* too many frames */
		"@10 1\n0\t-\t0\tf\t\t\n@20 1\n7\tgarbage\n",        /* bad frame */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nsp_frame f[NSP_MAX_INLINE];
		struct nsp_arena a;
		struct nsp_symtab t;
		char buf[256];
		size_t n = strlen(cases[i]);
		memcpy(buf, cases[i], n + 1);
		assert_int_equal(nsp_arena_init(&a, 1 << 20), 0);
		nsp_proto_parse(buf, n, &a, &t);
		assert_int_equal(t.n, 1);
		assert_int_equal(nsp_symtab_frames(&t, 0x10, f, NSP_MAX_INLINE), 1);
		assert_string_equal(f[0].function, "f");
		assert_int_equal(nsp_symtab_frames(&t, 0x20, f, NSP_MAX_INLINE), 0);
		nsp_arena_fini(&a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_both_ways),
		cmocka_unit_test(default_actions),
		cmocka_unit_test(signals_option),
		cmocka_unit_test(report_signal_option),
		cmocka_unit_test(protocol_round_trip),
		cmocka_unit_test(protocol_damage),
	};
	return cmocka_run_group_tests_name("signals", tests, NULL, NULL);
}
