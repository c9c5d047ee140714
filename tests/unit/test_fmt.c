/* Numbers to text and back, paths with numbers, base names. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/fmt.h"

static const char *dec(uint64_t v)
{
	static char b[NSP_NUM_MAX + 1];

	b[nsp_fmt_dec(b, v)] = 0;
	return b;
}

static const char *hex(uint64_t v)
{
	static char b[NSP_NUM_MAX + 1];

	b[nsp_fmt_hex(b, v)] = 0;
	return b;
}

static void numbers_out(void **state)
{
	(void)state;
	assert_string_equal(dec(0), "0");
	assert_string_equal(dec(42), "42");
	assert_string_equal(dec(UINT64_MAX), "18446744073709551615");
	assert_string_equal(hex(0), "0");
	assert_string_equal(hex(0x7f1234abcdefULL), "7f1234abcdef");
	assert_string_equal(hex(UINT64_MAX), "ffffffffffffffff");
}

static int parse_dec(const char *s, uint64_t *v, size_t *used)
{
	const char *p = s;
	int n = nsp_parse_dec(&p, s + strlen(s), v);

	*used = (size_t)(p - s);
	return n;
}

static void decimal_in(void **state)
{
	uint64_t v;
	size_t used;

	(void)state;
	assert_int_equal(parse_dec("123 rest", &v, &used), 3);
	assert_int_equal(v, 123);
	assert_int_equal(used, 3);
	assert_int_equal(parse_dec("x1", &v, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(parse_dec("18446744073709551615", &v, &used), 20);
	assert_true(v == UINT64_MAX);
	/* One more does not fit: every digit is still read. */
	assert_int_equal(parse_dec("18446744073709551616", &v, &used), -ERANGE);
	assert_true(v == UINT64_MAX);
	assert_int_equal(used, 20);
	assert_int_equal(parse_dec("99999999999999999999999", &v, &used), -ERANGE);
	assert_int_equal(used, 23);
}

static void hex_in(void **state)
{
	const char *s = "0x1fA\t", *p = s;
	uint64_t v;

	(void)state;
	assert_int_equal(nsp_parse_hex(&p, s + strlen(s), &v), 3);
	assert_int_equal(v, 0x1fa);
	assert_int_equal(*p, '\t');
	/* At most 16 digits: the seventeenth is left where it is. */
	s = "123456789abcdef01";
	p = s;
	assert_int_equal(nsp_parse_hex(&p, s + strlen(s), &v), 16);
	assert_true(v == 0x123456789abcdef0ULL);
	assert_int_equal(*p, '1');
	/* "0x" with nothing after it is the digit 0, then an 'x'. */
	s = "0x";
	p = s;
	assert_int_equal(nsp_parse_hex(&p, s + 2, &v), 1);
	assert_int_equal(v, 0);
	assert_int_equal(*p, 'x');
	/* The end is respected. */
	s = "ff";
	p = s;
	assert_int_equal(nsp_parse_hex(&p, s + 1, &v), 1);
	assert_int_equal(v, 15);
}

static void paths(void **state)
{
	char b[16];

	(void)state;
	assert_int_equal(nsp_path_num(b, sizeof(b), "/proc/", 1234, "/maps"), 0);
	assert_string_equal(b, "/proc/1234/maps");
	assert_int_equal(nsp_path_num(b, 15, "/proc/", 1234, "/maps"), -ENAMETOOLONG);
	assert_string_equal(b, "");
	assert_string_equal(nsp_base_name("/usr/lib/libc.so.6"), "libc.so.6");
	assert_string_equal(nsp_base_name("plain"), "plain");
	assert_string_equal(nsp_base_name("dir/"), "");
	assert_null(nsp_base_name(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers_out),
		cmocka_unit_test(decimal_in),
		cmocka_unit_test(hex_in),
		cmocka_unit_test(paths),
	};
	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
