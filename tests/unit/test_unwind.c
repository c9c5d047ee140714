/* The runtime's stack capture: our own frames dropped from a stack. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "rt/unwind.h"

static void own_frames_are_dropped(void **state)
{
	uintptr_t ip[] = { 0x1010, 0x1020, 0x5000, 0x6000, 0x1030, 0x7000 };
	(void)state;
	assert_int_equal(nsp_drop_own(ip, 6, 0x1000, 0x2000), 3);
	assert_int_equal(ip[0], 0x5000);
	assert_int_equal(ip[1], 0x6000);
	assert_int_equal(ip[2], 0x7000);
	assert_int_equal(nsp_drop_own(ip, 0, 0x1000, 0x2000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_frames_are_dropped),
	};
	return cmocka_run_group_tests_name("unwind", tests, NULL, NULL);
}
