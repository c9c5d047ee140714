/* Names of namespaces from mountinfo (lib/report/nsname.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"

static struct nsp_arena a;

static const char *name_of(const struct nsp_nsnames *n, uint64_t ino)
{
	const struct nsp_nsname *e = nsp_nsname_of(n, ino);

	return e ? e->text : NULL;
}

static void parse(struct nsp_nsnames *n, const char *text)
{
	memset(n, 0, sizeof(*n));
	assert_int_equal(nsp_nsnames_parse(n, &a, text, strlen(text)), 0);
	nsp_nsnames_sort(n);
}

static void netns_and_bind_mounts_are_named(void **state)
{
	struct nsp_nsnames n;
	(void)state;
	parse(&n, "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
		  "610 29 0:4 net:[4026532177] /run/netns/blue rw shared:5 - nsfs nsfs rw\n"
		  "611 29 0:4 net:[4026532300] /var/run/netns/red rw - nsfs nsfs rw\n"
		  "612 29 0:4 uts:[4026532400] /tmp/my\\040ns rw master:1 shared:2 - nsfs nsfs rw\n"
		  "613 29 0:4 net:[4026532500] /run/netns/sub/x rw - nsfs nsfs rw\n");
	assert_int_equal(n.n, 4);
	assert_string_equal(name_of(&n, 4026532177), "ip netns blue");
	assert_string_equal(name_of(&n, 4026532300), "ip netns red");
	assert_string_equal(name_of(&n, 4026532400), "mount /tmp/my ns");
	assert_string_equal(name_of(&n, 4026532500), "mount /run/netns/sub/x");
	assert_null(name_of(&n, 4026531833));
	assert_null(name_of(&n, 0));
	assert_null(nsp_nsname_of(NULL, 4026532177));
}

static void other_mounts_and_bad_lines_name_nothing(void **state)
{
	struct nsp_nsnames n;
	(void)state;
	parse(&n, "610 29 0:4 net:[4026532177] /run/netns/blue rw - tmpfs tmpfs rw\n"
		  "611 29 0:4 / /run/netns/x rw - nsfs nsfs rw\n"
		  "612 29 0:4 net:[12x] /run/netns/y rw - nsfs nsfs rw\n"
		  "613 29 0:4 net:[4026532177] /run/netns/z\n"
		  "\n garbage\n614");
	assert_int_equal(n.n, 0);
}

static void an_ip_netns_name_wins_then_a_mount_then_a_process(void **state)
{
	const char *more = "1 2 0:4 net:[7] /run/netns/seven rw - nsfs n rw\n";
	struct nsp_nsnames n;
	(void)state;
	parse(&n, "612 29 0:4 net:[7] /srv/ns7 rw - nsfs nsfs rw\n");
	assert_int_equal(nsp_nsnames_add_proc(&n, &a, 7, 42, "sleep"), 0);
	assert_int_equal(nsp_nsnames_add_proc(&n, &a, 8, 43, "agent"), 0);
	assert_int_equal(nsp_nsnames_add_proc(&n, &a, 8, 44, "later"), 0);
	assert_int_equal(nsp_nsnames_parse(&n, &a, more, strlen(more)), 0);
	nsp_nsnames_sort(&n);
	assert_string_equal(name_of(&n, 7), "ip netns seven");
	assert_string_equal(name_of(&n, 8), "pid 43 (agent)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(netns_and_bind_mounts_are_named),
		cmocka_unit_test(other_mounts_and_bad_lines_name_nothing),
		cmocka_unit_test(an_ip_netns_name_wins_then_a_mount_then_a_process),
	};

	if (nsp_arena_init(&a, 1 << 20))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
