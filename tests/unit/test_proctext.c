/* /proc text: stat fields counted after the command name; maps lines. */
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

/* The name between the first "(" and the last ")": blanks and
 * parentheses of its own kept, cut at 15 bytes as comm is. */
static void names_in_a_stat_line(void **state)
{
	char comm[16];
	const char *line = "7 (a) b) c) R 3";

	(void)state;
	assert_int_equal(nsp_stat_comm(plain, strlen(plain), comm), 0);
	assert_string_equal(comm, "cat");
	assert_int_equal(nsp_stat_comm(line, strlen(line), comm), 0);
	assert_string_equal(comm, "a) b) c");
	assert_int_equal(nsp_stat_comm("9 (0123456789abcdefgh) S 1", 26, comm), 0);
	assert_string_equal(comm, "0123456789abcde");
	assert_int_equal(nsp_stat_comm("9 () S 1", 8, comm), 0);
	assert_string_equal(comm, "");
	assert_int_equal(nsp_stat_comm("9 (open S 1", 11, comm), -EINVAL);
	assert_int_equal(nsp_stat_comm("9 )x( S 1", 9, comm), -EINVAL);
	/* Not NUL-terminated: nothing past n is read. */
	assert_int_equal(nsp_stat_comm("9 (ab) S", 5, comm), -EINVAL);
}

/* A removed file keeps its module: the kernel's " (deleted)" is dropped
 * from the name (so names, bases and suppressions read as before) and
 * said in the flag. */
static void maps_of_a_deleted_file(void **state)
{
	static const char text[] =
		"55d0c0000000-55d0c0001000 r--p 00000000 08:01 42 /tmp/prog (deleted)\n"
		"55d0c0001000-55d0c0002000 r-xp 00001000 08:01 42 /tmp/prog (deleted)\n"
		"7f0000000000-7f0000001000 r-xp 00000000 08:01 43 /lib/libc.so.6\n"
		"7f0000002000-7f0000003000 r-xp 00000000 08:01 44 / (deleted)\n";
	char arena_mem[4096] __attribute__((aligned(16)));
	struct nsp_arena a = { .base = arena_mem, .cap = sizeof(arena_mem) };
	const struct nsp_map *m = nsp_maps_parse(text, sizeof(text) - 1, &a);

	(void)state;
	assert_non_null(m);
	assert_string_equal(m->path, "/tmp/prog");
	assert_true(m->deleted);
	assert_string_equal(m->next->path, "/tmp/prog");
	assert_true(m->next->deleted && m->next->exec);
	assert_true(m->next->base == 0x55d0c0000000);
	assert_string_equal(m->next->next->path, "/lib/libc.so.6");
	assert_false(m->next->next->deleted);
	assert_string_equal(m->next->next->next->path, "/");
}

/* NSpid: one value per pid namespace from /proc's down to the process's;
 * one value means /proc's thread ids are the reader's own. */
static void values_on_a_status_line(void **state)
{
	static const char one[] = "Name:\tcat\nPid:\t42\nNSpid:\t42\nNSsid:\t1\n";
	static const char two[] = "NSpid:\t4242\t1\nNStgid:\t4242 1";
	static const char blank[] = "NSpid:\t \t\nX:\t1\n";

	(void)state;
	assert_int_equal(nsp_status_count(one, sizeof(one) - 1, "NSpid"), 1);
	assert_int_equal(nsp_status_count(two, sizeof(two) - 1, "NSpid"), 2);
	assert_int_equal(nsp_status_count(two, sizeof(two) - 1, "NStgid"), 2); /* last line, no newline */
	assert_int_equal(nsp_status_count(blank, sizeof(blank) - 1, "NSpid"), 0);
	assert_int_equal(nsp_status_count(one, sizeof(one) - 1, "NS"), -ENOENT); /* whole keys only */
	assert_int_equal(nsp_status_count(one, 20, "NSpid"), -ENOENT);           /* cut before it */
}

/* The last NSpid: the number the process's own pid namespace gives it. */
static void last_value_of_a_status_line(void **state)
{
	static const char two[] = "NSpid:\t4242\t17\nNStgid:\t4242 1 \t";
	static const char bad[] = "NSpid:\t4242\t1x\nA:\t\nB:\t-3\n";
	uint64_t v = 0;

	(void)state;
	assert_int_equal(nsp_status_last(two, sizeof(two) - 1, "NSpid", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(nsp_status_last(two, sizeof(two) - 1, "NStgid", &v), 0); /* trailing blanks */
	assert_int_equal(v, 1);
	assert_int_equal(nsp_status_last(two, 10, "NSpid", &v), 0); /* cut: "NSpid:\t424" */
	assert_int_equal(v, 424);
	assert_int_equal(nsp_status_last(bad, sizeof(bad) - 1, "NSpid", &v), -EINVAL);
	assert_int_equal(nsp_status_last(bad, sizeof(bad) - 1, "A", &v), -EINVAL);
	assert_int_equal(nsp_status_last(bad, sizeof(bad) - 1, "B", &v), -EINVAL);
	assert_int_equal(nsp_status_last(bad, sizeof(bad) - 1, "C", &v), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_of_a_plain_line),
		cmocka_unit_test(command_names_with_blanks_and_parentheses),
		cmocka_unit_test(malformed_text),
		cmocka_unit_test(names_in_a_stat_line),
		cmocka_unit_test(maps_of_a_deleted_file),
		cmocka_unit_test(values_on_a_status_line),
		cmocka_unit_test(last_value_of_a_status_line),
	};
	return cmocka_run_group_tests_name("proctext", tests, NULL, NULL);
}
