/* The mappings of files, asked of the kernel one by one (PROCMAP_QUERY),
 * are those the text of /proc/PID/maps lists, with the same module bases,
 * in this process and in another, with many anonymous thread stacks in
 * between. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/arena.h"
#include "base/proc.h"

#define THREADS 200

/* The same request as proc.c: a kernel without it says ENOTTY. */
static int kernel_has_query(void)
{
	struct {
		uint64_t size, flags, addr, out[6];
		uint32_t dev[2], name_size, build_id_size;
		uint64_t name_addr, build_id_addr;
	} q = { .size = sizeof(q), .flags = 0x30 };
	int fd = open("/proc/self/maps", O_RDONLY), r;

	if (fd < 0)
		return 0;
	r = ioctl(fd, _IOWR('f', 17, q), &q);
	close(fd);
	return r == 0 || errno != ENOTTY;
}

static const struct nsp_map *next_file(const struct nsp_map *m)
{
	while (m && !m->path)
		m = m->next;
	return m;
}

static void same_files(pid_t pid)
{
	struct nsp_arena a;
	const struct nsp_map *q, *t;
	char *text;
	long n;
	int count = 0;

	assert_int_equal(nsp_arena_init(&a, 64 << 20), 0);
	q = nsp_proc_maps(pid, &a);
	n = nsp_proc_slurp(pid, "maps", &a, &text);
	assert_true(n > 0);
	t = next_file(nsp_maps_parse(text, (size_t)n, &a));
	assert_non_null(q);
	for (; q || t; q = q->next, t = next_file(t->next), count++) {
		assert_non_null(q);
		assert_non_null(t);
		assert_non_null(q->path);
		assert_string_equal(q->path, t->path);
		assert_true(q->lo == t->lo && q->hi == t->hi);
		if (q->base != t->base)
			print_message("%s %lx-%lx: base %lx from the kernel's answers, %lx from the text\n",
				      q->path, (unsigned long)q->lo, (unsigned long)q->hi,
				      (unsigned long)q->base, (unsigned long)t->base);
		assert_true(q->base == t->base);
		assert_int_equal(q->exec, t->exec);
	}
	assert_true(count >= 4); /* the program, libc, ld.so at least */
	nsp_arena_fini(&a);
}

static void *park(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void own_process_with_many_stacks(void **state)
{
	pthread_attr_t attr;
	pthread_t t;

	(void)state;
	if (!kernel_has_query())
		skip(); /* Linux before 6.11: both lists come from the text */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t, &attr, park, NULL), 0);
	same_files(0);
	same_files(getpid());
}

/* A forked child that only waits: its mappings are a copy of ours (the
 * thread stacks included) and stay still while they are read twice.  (A
 * program just exec'd would still be mapping its locale files.) */
static void another_process(void **state)
{
	pid_t child;
	int st;

	(void)state;
	if (!kernel_has_query())
		skip();
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	same_files(child);
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
}

static void no_such_process(void **state)
{
	struct nsp_arena a;

	(void)state;
	assert_int_equal(nsp_arena_init(&a, 1 << 20), 0);
	assert_null(nsp_proc_maps(0x3fffffff, &a));
	nsp_arena_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_process_with_many_stacks),
		cmocka_unit_test(another_process),
		cmocka_unit_test(no_such_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
