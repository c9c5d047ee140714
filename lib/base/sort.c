/* One heap sort for every sort of the library: no allocation, no
 * recursion, O(n log n) on any input. */
#include <string.h>

#include "base/sort.h"

static void swap(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static void sift(char *v, size_t at, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (size_t child; (child = 2 * at + 1) < n; at = child) {
		if (child + 1 < n && cmp(v + child * size, v + (child + 1) * size) < 0)
			child++;
		if (cmp(v + at * size, v + child * size) >= 0)
			return;
		swap(v + at * size, v + child * size, size);
	}
}

void nsp_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *v = base;

	for (size_t i = n / 2; i-- > 0;)
		sift(v, i, n, size, cmp);
	for (size_t end = n; end > 1; end--) {
		swap(v, v + (end - 1) * size, size);
		sift(v, 0, end - 1, size, cmp);
	}
}

static int by_word(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return (x > y) - (x < y);
}

size_t nsp_sort_unique_words(uintptr_t *v, size_t n)
{
	size_t k = 0;

	nsp_sort(v, n, sizeof(*v), by_word);
	for (size_t i = 0; i < n; i++)
		if (!k || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}
