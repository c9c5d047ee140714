/* In-place heap sort: qsort may allocate, and reports sort in signal
 * handlers. */
#ifndef NSP_SORT_H
#define NSP_SORT_H

#include "base/base.h"

void nsp_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* Sorts n words and drops repeats; returns how many remain. */
size_t nsp_sort_unique_words(uintptr_t *v, size_t n);

#endif
