/* The one sort: against a known order on random, sorted, reversed and
 * repeated input, and unique words. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "base/sort.h"

static int by_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void check_sorted(int *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		assert_true(v[i - 1] <= v[i]);
}

static void sorts_every_shape(void **state)
{
	enum { N = 1000 };
	int v[N], count[64] = { 0 }, after[64] = { 0 };

	(void)state;
	srand(7);
	for (int shape = 0; shape < 4; shape++) {
		for (int i = 0; i < N; i++) {
			v[i] = shape == 0 ? rand() % 64 : shape == 1 ? i % 64 : shape == 2 ? 63 - i % 64 : 5;
			count[v[i]]++;
		}
		nsp_sort(v, N, sizeof(v[0]), by_int);
		check_sorted(v, N);
		for (int i = 0; i < N; i++)
			after[v[i]]++;
		for (int k = 0; k < 64; k++) {
			assert_int_equal(count[k], after[k]); /* the same items */
			count[k] = after[k] = 0;
		}
	}
	nsp_sort(v, 0, sizeof(v[0]), by_int);
	nsp_sort(v, 1, sizeof(v[0]), by_int);
}

static void unique_words(void **state)
{
	uintptr_t w[] = { 9, 3, 9, 1, 3, 3, 0, 9 };

	(void)state;
	assert_int_equal(nsp_sort_unique_words(w, 8), 4);
	assert_int_equal(w[0], 0);
	assert_int_equal(w[1], 1);
	assert_int_equal(w[2], 3);
	assert_int_equal(w[3], 9);
	assert_int_equal(nsp_sort_unique_words(w, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sorts_every_shape),
		cmocka_unit_test(unique_words),
	};
	return cmocka_run_group_tests_name("sort", tests, NULL, NULL);
}
