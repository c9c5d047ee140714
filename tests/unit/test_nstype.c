/* Namespace kinds: the flag of each kind maps back to that kind alone;
 * kinds from flags, names of types and flags. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sched.h>
#include <cmocka.h>

#include "base/nstype.h"

static void each_flag_is_its_kind(void **state)
{
	unsigned long all = 0;
	(void)state;
	for (int k = 0; k < NSP_NKINDS; k++) {
		assert_int_equal(nsp_kinds_of_flags(nsp_flag_of_kind(k)), 1u << k);
		all |= nsp_flag_of_kind(k);
	}
	assert_int_equal(nsp_kinds_of_flags(all), (1u << NSP_NKINDS) - 1);
	assert_int_equal(nsp_kinds_of_flags(CLONE_VM | CLONE_FILES), 0);
}

static void kinds_from_flags(void **state)
{
	(void)state;
	assert_int_equal(nsp_kinds_of_flags(0), 0);
	assert_int_equal(nsp_kinds_of_flags(CLONE_FS | CLONE_FILES), 0);
	unsigned k = nsp_kinds_of_flags(CLONE_NEWNET | CLONE_NEWUTS);
	assert_int_equal(__builtin_popcount(k), 2);
	assert_int_equal(k, (1u << nsp_kind_of_type(NAMSPILL_NS_NET)) |
				    (1u << nsp_kind_of_type(NAMSPILL_NS_UTS)));
	/* setns/unshare(CLONE_NEWPID) changes pid_for_children: same kind */
	assert_int_equal(nsp_kind_of_type(NAMSPILL_NS_PID),
			 nsp_kind_of_type(NAMSPILL_NS_PID_FOR_CHILDREN));
	assert_int_equal(nsp_flag_of_kind(nsp_kind_of_type(NAMSPILL_NS_MNT)), CLONE_NEWNS);
	assert_string_equal(nsp_flag_name(nsp_kind_of_type(NAMSPILL_NS_NET)), "CLONE_NEWNET");
	assert_string_equal(namspill_nstype_name(NAMSPILL_NS_PID_FOR_CHILDREN), "pid_for_children");
	assert_null(namspill_nstype_name(NAMSPILL_NS_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_flag_is_its_kind),
			cmocka_unit_test(kinds_from_flags),
};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
