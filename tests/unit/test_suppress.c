/* Suppression files: glob matching and the line parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/suppress.h"

static int glob(const char *pat, const char *s)
{
	return nsp_glob(pat, strlen(pat), s);
}

static void glob_literal_and_wildcards(void **state)
{
	(void)state;
	assert_true(glob("leaky_worker", "leaky_worker"));
	assert_false(glob("leaky_worker", "leaky_worker2"));
	assert_false(glob("leaky_worker", "leaky_"));
	assert_true(glob("leaky_*", "leaky_worker"));
	assert_true(glob("leaky_*", "leaky_"));
	assert_true(glob("*worker", "leaky_worker"));
	assert_true(glob("*_w*r", "leaky_worker"));
	assert_false(glob("*_w*x", "leaky_worker"));
	assert_true(glob("l?aky", "leaky"));
	assert_false(glob("l?aky", "laky"));
	assert_true(glob("*", ""));
	assert_true(glob("", ""));
	assert_false(glob("", "a"));
	assert_false(glob("?", ""));
	assert_true(glob("***a**", "bab"));
}

static void glob_star_crosses_slashes(void **state)
{
	(void)state;
	assert_true(glob("*/libfoo.so*", "/usr/lib/x86_64-linux-gnu/libfoo.so.1"));
	assert_true(glob("/usr/*", "/usr/lib/libc.so.6"));
}

static void glob_needs_backtracking(void **state)
{
	(void)state;
	assert_true(glob("*ab*abc", "xxabyyabababc"));
	assert_false(glob("*ab*abc", "xxabyyababab"));
	assert_true(glob("a*b?c", "aXbbYc"));
}

/* Pathological input stays fast: no exponential backtracking. */
static void glob_many_stars_long_name(void **state)
{
	char name[4097], pat[64];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	strcpy(pat, "*a*a*a*a*a*a*a*a*a*a*a*a*b");
	assert_false(glob(pat, name));
}

struct errs {
	int n;
	size_t line[8];
	char item[8][64];
	const char *why[8];
};

static void collect(void *ctx, size_t line, const char *why, const char *item, size_t n)
{
	struct errs *e = ctx;

	if (e->n < 8) {
		e->line[e->n] = line;
		e->why[e->n] = why;
		memcpy(e->item[e->n], item, n < 63 ? n : 63);
		e->item[e->n][n < 63 ? n : 63] = 0;
	}
	e->n++;
}

static struct nsp_supp *parse(const char *text, struct errs *e)
{
	struct nsp_supp *set = calloc(1, sizeof(*set));
	int bad;

	memset(e, 0, sizeof(*e));
	bad = nsp_supp_parse(set, text, strlen(text), collect, e);
	assert_int_equal(bad, e->n);
	return set;
}

static const char *pattern(const struct nsp_supp *s, size_t i)
{
	return s->text + s->rule[i].off;
}

static void parses_rules_comments_and_blanks(void **state)
{
	struct errs e;
	struct nsp_supp *s = parse("# known leaks\n"
				   "\n"
				   "spill:leaky_*\n"
				   "  module:*/libvendor.so*  \r\n"
				   "   # indented comment\n"
				   "spill : worker_?\n"
				   "spill:last_without_newline",
				   &e);

	(void)state;
	assert_int_equal(e.n, 0);
	assert_int_equal(s->n, 4);
	assert_int_equal(s->rule[0].kind, NSP_SUPP_SPILL);
	assert_string_equal(pattern(s, 0), "leaky_*");
	assert_int_equal(s->rule[1].kind, NSP_SUPP_MODULE);
	assert_string_equal(pattern(s, 1), "*/libvendor.so*");
	assert_string_equal(pattern(s, 2), "worker_?");
	assert_string_equal(pattern(s, 3), "last_without_newline");
	free(s);
}

static void bad_lines_named_and_rest_applies(void **state)
{
	struct errs e;
	struct nsp_supp *s = parse("spill:a\n"
				   "no colon here\n"
				   "frobnicate:b\n"
				   "spill:\n"
				   "spill:c\n"
				   "spill:x\001y\n"
				   "spill:d\n",
				   &e);

	(void)state;
	assert_int_equal(e.n, 4);
	assert_int_equal(e.line[0], 2);
	assert_string_equal(e.item[0], "no colon here");
	assert_int_equal(e.line[1], 3);
	assert_string_equal(e.item[1], "frobnicate");
	assert_non_null(strstr(e.why[1], "unknown suppression type"));
	assert_int_equal(e.line[2], 4);
	assert_non_null(strstr(e.why[2], "empty pattern"));
	assert_int_equal(e.line[3], 6);
	assert_non_null(strstr(e.why[3], "control character"));
	assert_int_equal(s->n, 3);
	assert_string_equal(pattern(s, 0), "a");
	assert_string_equal(pattern(s, 1), "c");
	assert_string_equal(pattern(s, 2), "d");
	free(s);
}

/* A '#' after a blank starts a comment, in a rule as on a line of its own;
 * a '#' inside a name (C++ lambdas: "{lambda()#1}") stays. */
static void inline_comment_is_not_part_of_the_pattern(void **state)
{
	struct errs e;
	struct nsp_supp *s = parse("spill:leaky_*   # known, ticket 42\n"
				   "module:libvendor.so*\t# vendor\n"
				   "spill:f()::{lambda()#1}*\n"
				   "spill: # nothing but a comment\n",
				   &e);

	(void)state;
	assert_int_equal(s->n, 3);
	assert_string_equal(pattern(s, 0), "leaky_*");
	assert_string_equal(pattern(s, 1), "libvendor.so*");
	assert_string_equal(pattern(s, 2), "f()::{lambda()#1}*");
	assert_int_equal(e.n, 1);
	assert_int_equal(e.line[0], 4);
	assert_non_null(strstr(e.why[0], "empty pattern"));
	assert_true(nsp_supp_match(s, NSP_SUPP_SPILL, "leaky_worker"));
	free(s);
}

/* A function name holds a blank only inside a C++ signature (parameters,
 * templates, "(anonymous namespace)", "operator new", "[clone .cold]"),
 * and no name holds a tab: other patterns can never match and are named. */
static void patterns_that_can_never_match_are_named(void **state)
{
	struct errs e;
	struct nsp_supp *s = parse("spill:leaky_* ticket 42\n"
				   "spill:a\tb\n"
				   "module:lib\tx.so\n"
				   "spill:net::Sandbox::enter(int, char)\n"
				   "spill:operator new*\n"
				   "spill:worker() [clone .cold]\n"
				   "spill:std::vector<int, std::allocator<int> >::*\n"
				   "module:/opt/My Apps/lib*.so\n",
				   &e);

	(void)state;
	assert_int_equal(e.n, 3);
	assert_int_equal(e.line[0], 1);
	assert_string_equal(e.item[0], "leaky_* ticket 42");
	assert_non_null(strstr(e.why[0], "never match"));
	assert_int_equal(e.line[1], 2);
	assert_non_null(strstr(e.why[1], "never match"));
	assert_int_equal(e.line[2], 3);
	assert_int_equal(s->n, 5);
	assert_string_equal(pattern(s, 0), "net::Sandbox::enter(int, char)");
	assert_string_equal(pattern(s, 4), "/opt/My Apps/lib*.so");
	free(s);
}

static void nul_byte_is_a_bad_line_not_the_end(void **state)
{
	static const char text[] = "spill:a\nspill:b\0c\nspill:d\n";
	struct nsp_supp *set = calloc(1, sizeof(*set));
	struct errs e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(nsp_supp_parse(set, text, sizeof(text) - 1, collect, &e), 1);
	assert_int_equal(e.line[0], 2);
	assert_int_equal(set->n, 2);
	free(set);
}

static void full_set_reports_each_extra_line(void **state)
{
	size_t lines = NSP_SUPP_MAX + 3, len = lines * 8;
	char *text = malloc(len + 1), *p = text;
	struct errs e;
	struct nsp_supp *s;

	(void)state;
	for (size_t i = 0; i < lines; i++)
		p += sprintf(p, "spill:%c\n", 'a' + (int)(i % 26));
	s = parse(text, &e);
	assert_int_equal(s->n, NSP_SUPP_MAX);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.line[0], NSP_SUPP_MAX + 1);
	free(text);
	free(s);
}

static void match_by_kind_and_module_base_name(void **state)
{
	struct errs e;
	struct nsp_supp *s = parse("spill:leaky_*\nmodule:libvendor.so.?\n", &e);

	(void)state;
	assert_true(nsp_supp_match(s, NSP_SUPP_SPILL, "leaky_worker"));
	assert_false(nsp_supp_match(s, NSP_SUPP_SPILL, "main"));
	assert_false(nsp_supp_match(s, NSP_SUPP_MODULE, "leaky_worker"));
	assert_true(nsp_supp_match(s, NSP_SUPP_MODULE, "/opt/v/lib/libvendor.so.1"));
	assert_false(nsp_supp_match(s, NSP_SUPP_MODULE, "/opt/v/lib/libvendor.so.12"));
	assert_false(nsp_supp_match(s, NSP_SUPP_SPILL, NULL));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(glob_literal_and_wildcards),
		cmocka_unit_test(glob_star_crosses_slashes),
		cmocka_unit_test(glob_needs_backtracking),
		cmocka_unit_test(glob_many_stars_long_name),
		cmocka_unit_test(parses_rules_comments_and_blanks),
		cmocka_unit_test(bad_lines_named_and_rest_applies),
		cmocka_unit_test(inline_comment_is_not_part_of_the_pattern),
		cmocka_unit_test(patterns_that_can_never_match_are_named),
		cmocka_unit_test(nul_byte_is_a_bad_line_not_the_end),
		cmocka_unit_test(full_set_reports_each_extra_line),
		cmocka_unit_test(match_by_kind_and_module_base_name),
	};
	return cmocka_run_group_tests_name("suppress", tests, NULL, NULL);
}
