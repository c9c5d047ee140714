/* Namespace kinds: the flag of each kind maps back to that kind alone. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_flag_is_its_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
