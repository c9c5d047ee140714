/* The frame protocol between a signal-time report and namspill-symbolize:
 * frames written and parsed back, and damaged answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/arena.h"
#include "base/out.h"
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
		cmocka_unit_test(ten_digit_line_number_is_kept),
		cmocka_unit_test(last_line_ends_at_len_whatever_follows),
			cmocka_unit_test(protocol_round_trip),
		cmocka_unit_test(protocol_damage),
};
	return cmocka_run_group_tests_name("symproto", tests, NULL, NULL);
}
