/* Options parser: sanitizer syntax, defaults kept on bad input. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "base/options.h"
#include "base/signame.h"

static int warnings;
static char last_key[256];

static void warn(const char *msg, const char *key, const char *val)
{
	(void)msg;
	(void)val;
	warnings++;
	strncpy(last_key, key, sizeof(last_key) - 1);
}

static struct nsp_options parse(const char *s)
{
	struct nsp_options o;

	warnings = 0;
	last_key[0] = 0;
	nsp_options_defaults(&o);
	nsp_options_parse(&o, s, warn);
	return o;
}

static void defaults(void **state)
{
	struct nsp_options o = parse(NULL);
	(void)state;
	assert_int_equal(o.exitcode, 66);
	assert_int_equal(o.json, 0);
	assert_string_equal(o.log_path, "");
	assert_int_equal(warnings, 0);
}

static void colon_separated(void **state)
{
	struct nsp_options o = parse("log_path=/tmp/r:format=json:exitcode=3");
	(void)state;
	assert_string_equal(o.log_path, "/tmp/r");
	assert_int_equal(o.json, 1);
	assert_int_equal(o.exitcode, 3);
	assert_int_equal(warnings, 0);
}

static void other_separators_and_quotes(void **state)
{
	struct nsp_options o = parse(" format=json,stack_depth=8\nlog_path='/tmp/a b:c' verbosity=1");
	(void)state;
	assert_int_equal(o.json, 1);
	assert_int_equal(o.stack_depth, 8);
	assert_string_equal(o.log_path, "/tmp/a b:c");
	assert_int_equal(o.verbosity, 1);
	assert_int_equal(warnings, 0);
}

static void unknown_key_warns_once_and_keeps_going(void **state)
{
	struct nsp_options o = parse("bogus=1:exitcode=5");
	(void)state;
	assert_int_equal(warnings, 1);
	assert_string_equal(last_key, "bogus");
	assert_int_equal(o.exitcode, 5);
}

static void bad_values_keep_defaults(void **state)
{
	const char *bad[] = { "exitcode=abc", "exitcode=256", "exitcode=-1", "format=xml",
			      "stack_depth=0", "stack_depth=65", "help=maybe", "exitcode=",
			      "exitcode", "exitcode=99999999999999999999" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nsp_options o = parse(bad[i]);
		assert_int_equal(warnings, 1);
		assert_int_equal(o.exitcode, 66);
		assert_int_equal(o.json, 0);
		assert_int_equal(o.stack_depth, 32);
	}
}

static void huge_path_is_refused(void **state)
{
	char s[2048] = "log_path=";
	struct nsp_options o;
	(void)state;
	memset(s + 9, 'x', sizeof(s) - 10);
	s[sizeof(s) - 1] = 0;
	o = parse(s);
	assert_int_equal(warnings, 1);
	assert_string_equal(o.log_path, "");
}

static void unterminated_quote(void **state)
{
	struct nsp_options o = parse("log_path=\"/tmp/x");
	(void)state;
	/* The warning says the entry is ignored, so it must be. */
	assert_int_equal(warnings, 1);
	assert_string_equal(o.log_path, "");
}

/* What the wrapper hands its processes parses back to the same options. */
static void format_round_trip(void **state)
{
	struct nsp_options o = parse("log_path='/tmp/a b:c':format=json:exitcode=0:"
				     "suppressions=/s:start_marker=1:stack_depth=7"), back;
	char buf[2048];

	(void)state;
	assert_int_equal(nsp_options_format(&o, buf, sizeof(buf)), 0);
	back = parse(buf);
	assert_int_equal(warnings, 0);
	assert_string_equal(back.log_path, "/tmp/a b:c");
	assert_int_equal(back.json, 1);
	assert_int_equal(back.exitcode, 0);
	assert_string_equal(back.suppressions, "/s");
	assert_int_equal(back.start_marker, 1);
	assert_int_equal(back.stack_depth, 7);
	assert_int_equal(nsp_options_format(&o, buf, 20), -ENOSPC); /* does not fit */
}

static void format_refuses_both_quotes(void **state)
{
	struct nsp_options o = parse("");
	char buf[256];

	(void)state;
	strcpy(o.log_path, "/tmp/it's \"odd\"");
	assert_int_equal(nsp_options_format(&o, buf, sizeof(buf)), -EINVAL);
	strcpy(o.log_path, "/tmp/it's");
	assert_int_equal(nsp_options_format(&o, buf, sizeof(buf)), 0);
	assert_string_equal(parse(buf).log_path, "/tmp/it's");
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

/* A synchronous fault's handler that returns runs the faulting instruction
 * again, and abort() raises SIGABRT until it kills: none of these can ask
 * for a report and let the program run on. */
static void report_signal_refuses_faults(void **state)
{
	const char *bad[] = { "report_signal=SIGSEGV", "report_signal=SIGBUS",
			      "report_signal=SIGFPE",  "report_signal=SIGILL",
			      "report_signal=SIGABRT", "report_signal=SIGTRAP",
			      "report_signal=SIGSYS",  "report_signal=SEGV",
			      "report_signal=11" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nsp_options o = parse(bad[i]);
		assert_int_equal(warnings, 1);
		assert_string_equal(last_key, "report_signal");
		assert_int_equal(o.report_signal, 0);
	}
	assert_int_equal(parse("report_signal=SIGUSR1").report_signal, SIGUSR1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(colon_separated),
		cmocka_unit_test(other_separators_and_quotes),
		cmocka_unit_test(unknown_key_warns_once_and_keeps_going),
		cmocka_unit_test(bad_values_keep_defaults),
		cmocka_unit_test(huge_path_is_refused),
		cmocka_unit_test(unterminated_quote),
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(format_refuses_both_quotes),
		cmocka_unit_test(signals_option),
		cmocka_unit_test(report_signal_option),
		cmocka_unit_test(report_signal_refuses_faults),
	};
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
