/* /proc/PID/stat text: fields counted after the command name. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/proc.h"

static int stat_num(const char *s, int field, uint64_t *v)
{
	return nsp_stat_num(s, strlen(s), field, v);
}

static const char plain[] = "4242 (cat) S 17 4242 17 34816 4242 4194304 95 0 0 0 0 0 0 0 20 0 1 0 "
			    "123456789 5517312 231 18446744073709551615";

static void fields_of_a_plain_line(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(stat_num(plain, 4, &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(stat_num(plain, 22, &v), 0);
	assert_int_equal(v, 123456789);
	assert_int_equal(stat_num(plain, 24, &v), 0);
	assert_int_equal(v, 231);
	assert_int_equal(stat_num(plain, 3, &v), -EINVAL); /* the state letter */
	assert_int_equal(stat_num(plain, 26, &v), -EINVAL); /* past the end */
	assert_int_equal(stat_num(plain, 2, &v), -EINVAL);
}

static void command_names_with_blanks_and_parentheses(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(stat_num("7 (a) b) c) R 3 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 0", 22, &v),
			 0);
	assert_int_equal(v, 99);
	assert_int_equal(stat_num("7 (x) 5 ) S 12 0", 4, &v), 0);
	assert_int_equal(v, 12);
}

static void malformed_text(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(stat_num("", 4, &v), -EINVAL);
	assert_int_equal(stat_num("7 no parenthesis S 1", 4, &v), -EINVAL);
	assert_int_equal(stat_num("7 (x) S", 4, &v), -EINVAL);
	assert_int_equal(stat_num("7 (x) S ", 4, &v), -EINVAL);
	assert_int_equal(stat_num("7 (x) S -1", 4, &v), -EINVAL);
	assert_int_equal(stat_num("7 (x) S 18446744073709551616", 4, &v), -EINVAL);
	assert_int_equal(stat_num("7 (x) S 18446744073709551615", 4, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	/* Not NUL-terminated: nothing past n is read. */
	assert_int_equal(nsp_stat_num("7 (x) S 123", 10, 4, &v), 0);
	assert_int_equal(v, 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_of_a_plain_line),
		cmocka_unit_test(command_names_with_blanks_and_parentheses),
		cmocka_unit_test(malformed_text),
	};
	return cmocka_run_group_tests_name("proctext", tests, NULL, NULL);
}
