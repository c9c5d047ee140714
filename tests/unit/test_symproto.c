/* The answer of namspill-symbolize, as the library parses it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/arena.h"
#include "report/sym.h"

static struct nsp_arena arena;

static void parse(char *buf, size_t len, struct nsp_symtab *t)
{
	if (!arena.base)
		assert_int_equal(nsp_arena_init(&arena, (size_t)1 << 20), 0);
	arena.used = 0;
	nsp_proto_parse(buf, len, &arena, t);
}

static void ten_digit_line_number_is_kept(void **state)
{
	char buf[] = "@1000 1\n0\t10\t2147483647\tf\tm\tx.c\n?";
	struct nsp_symtab t;

	(void)state;
	parse(buf, sizeof(buf) - 2, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.e[0].f[0].line, 2147483647);
	assert_string_equal(t.e[0].f[0].function, "f");
}

static void last_line_ends_at_len_whatever_follows(void **state)
{
	/* The spare byte holds junk, not a NUL. */
	char buf[] = "@20 1\n0\t1\t7\tg\tmod\tfile.cXXXX";
	struct nsp_symtab t;

	(void)state;
	parse(buf, strlen(buf) - 4, &t);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.e[0].f[0].file, "file.c");
	assert_int_equal(t.e[0].f[0].line, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ten_digit_line_number_is_kept),
		cmocka_unit_test(last_line_ends_at_len_whatever_follows),
	};
	return cmocka_run_group_tests_name("symproto", tests, NULL, NULL);
}
