/* The fd writer: numbers, JSON escaping, large output through the buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/out.h"

/* Runs fn writing to a pipe, returns what came out (caller frees). */
static char *capture(void (*fn)(struct nsp_out *, const void *), const void *arg)
{
	int p[2];
	struct nsp_out o;
	char *buf = calloc(1, 1 << 20);
	size_t n = 0;
	ssize_t r;
	FILE *tmp = tmpfile();

	(void)p;
	nsp_out_init(&o, fileno(tmp));
	fn(&o, arg);
	assert_int_equal(nsp_out_flush(&o), 0);
	rewind(tmp);
	while ((r = read(fileno(tmp), buf + n, (1 << 20) - 1 - n)) > 0)
		n += (size_t)r;
	fclose(tmp);
	return buf;
}

static void put_json(struct nsp_out *o, const void *s)
{
	nsp_out_json_str(o, s);
}

static void json(const char *in, const char *want)
{
	char *got = capture(put_json, in);
	assert_string_equal(got, want);
	free(got);
}

static void json_escaping(void **state)
{
	(void)state;
	json("plain", "\"plain\"");
	json("a\"b\\c", "\"a\\\"b\\\\c\"");
	json("tab\there\nnl\rcr", "\"tab\\there\\nnl\\u000dcr\"");
	json("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	json("", "\"\"");
}

/* Bytes that are not UTF-8 become U+FFFD, one each, so the document is
 * UTF-8 and 'caf\xe9' (Latin-1) stays apart from UTF-8 'caf\xc3\xa9'. */
static void json_invalid_utf8(void **state)
{
	(void)state;
	json("caf\xe9", "\"caf\\ufffd\"");
	json("bad\xff\xc3(", "\"bad\\ufffd\\ufffd(\"");
	json("\xe2\x82", "\"\\ufffd\\ufffd\"");               /* cut short */
	json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");      /* surrogate U+D800 */
	json("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");      /* surrogate U+DFFF */
	json("\xc0\x80", "\"\\ufffd\\ufffd\"");               /* overlong NUL */
	json("\xc1\xbf", "\"\\ufffd\\ufffd\"");               /* overlong U+007F */
	json("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");      /* overlong '/' */
	json("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* overlong '/' */
	json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* above U+10FFFF */
	json("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	json("\x80x", "\"\\ufffdx\"");                     /* lone continuation */
	/* The edges that are valid pass through as they are. */
	json("\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf",
	     "\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf\"");
	json("\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", "\"\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"");
}

static void utf8_lengths(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} cases[] = {
		{ "a", 1 }, { "\xc3\xa9", 2 }, { "\xe2\x82\xac", 3 }, { "\xf0\x9f\x98\x80", 4 },
		{ "\xc2\x80", 2 }, { "\xc1\xbf", 0 }, { "\xc0\x80", 0 }, { "\xe0\x9f\xbf", 0 },
		{ "\xe0\xa0\x80", 3 }, { "\xed\x9f\xbf", 3 }, { "\xed\xa0\x80", 0 },
		{ "\xef\xbf\xbf", 3 }, { "\xf0\x8f\xbf\xbf", 0 }, { "\xf4\x8f\xbf\xbf", 4 },
		{ "\xf4\x90\x80\x80", 0 }, { "\xf8\x88\x80\x80\x80", 0 }, { "\xff", 0 },
		{ "\x80", 0 }, { "\xc3", 0 }, { "\xe2\x82", 0 }, { "\xc3(", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const unsigned char *s = (const unsigned char *)cases[i].s;
		assert_int_equal(nsp_utf8_len(s, strlen(cases[i].s)), cases[i].n);
	}
	/* Never past the end given. */
	assert_int_equal(nsp_utf8_len((const unsigned char *)"\xe2\x82\xac", 2), 0);
}

static void put_text(struct nsp_out *o, const void *s)
{
	nsp_out_text(o, s);
}

static void text(const char *in, const char *want)
{
	char *got = capture(put_text, in);
	assert_string_equal(got, want);
	free(got);
}

/* Names for people: what could start a line or reach the terminal as a
 * control sequence is escaped; UTF-8 reads as it is. */
static void text_escaping(void **state)
{
	(void)state;
	text("worker-1", "worker-1");
	text("\nSUMMARY:ok\033[8m", "\\x0aSUMMARY:ok\\x1b[8m");
	text("a\tb\rc\\d\x7f", "a\\x09b\\x0dc\\d\\x7f");
	text("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	text("csi\xc2\x9b" "2J nbsp\xc2\xa0", "csi\\xc2\\x9b2J nbsp\xc2\xa0"); /* C1 escaped */
	text("caf\xe9", "caf\\xe9");                       /* Latin-1, not UTF-8 */
	text("\xed\xa0\x80", "\\xed\\xa0\\x80");          /* a surrogate */
	text("\xc0\xaf\xf4\x90\x80\x80", "\\xc0\\xaf\\xf4\\x90\\x80\\x80"); /* overlong, > U+10FFFF */
	text("\xe2\x82", "\\xe2\\x82");                     /* cut short */
}

static void json_null(void **state)
{
	(void)state;
	json(NULL, "null");
}

static void put_numbers(struct nsp_out *o, const void *unused)
{
	(void)unused;
	nsp_out_u64(o, 0);
	nsp_out_str(o, " ");
	nsp_out_u64(o, UINT64_MAX);
	nsp_out_str(o, " ");
	nsp_out_i64(o, INT64_MIN);
	nsp_out_str(o, " ");
	nsp_out_hex(o, 0);
	nsp_out_str(o, " ");
	nsp_out_hex(o, 0xdeadbeef);
}

static void numbers(void **state)
{
	char *got = capture(put_numbers, NULL);
	(void)state;
	assert_string_equal(got, "0 18446744073709551615 -9223372036854775808 0x0 0xdeadbeef");
	free(got);
}

static void put_big(struct nsp_out *o, const void *unused)
{
	(void)unused;
	for (int i = 0; i < 100000; i++)
		nsp_out_str(o, "0123456789");
}

static void large_output_is_whole(void **state)
{
	char *got = capture(put_big, NULL);
	(void)state;
	assert_int_equal(strlen(got), 1000000);
	assert_memory_equal(got + 999990, "0123456789", 10);
	free(got);
}

static void closed_fd_is_an_error_not_a_crash(void **state)
{
	struct nsp_out o;
	(void)state;
	nsp_out_init(&o, 987);
	nsp_out_str(&o, "x");
	assert_true(nsp_out_flush(&o) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_escaping),
		cmocka_unit_test(json_null),
		cmocka_unit_test(text_escaping),
		cmocka_unit_test(json_invalid_utf8),
		cmocka_unit_test(utf8_lengths),
		cmocka_unit_test(numbers),
		cmocka_unit_test(large_output_is_whole),
		cmocka_unit_test(closed_fd_is_an_error_not_a_crash),
	};
	return cmocka_run_group_tests_name("out", tests, NULL, NULL);
}
