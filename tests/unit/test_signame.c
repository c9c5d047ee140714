/* Signal names both ways, and which signals end a process by default. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/signame.h"

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

/* Frames through the protocol come back as they went, escapes included. */
/* A cut or garbled answer keeps what parsed and drops the rest. */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_both_ways),
		cmocka_unit_test(default_actions),
	};
	return cmocka_run_group_tests_name("signame", tests, NULL, NULL);
}
