/* Scratch memory for reports: an mmap-backed bump allocator. */
#ifndef NSP_ARENA_H
#define NSP_ARENA_H

#include "base/base.h"

struct nsp_arena {
	char *base;
	size_t used, cap;
};

int nsp_arena_init(struct nsp_arena *a, size_t cap);
void *nsp_arena_alloc(struct nsp_arena *a, size_t n);
/* All that is left, to fill and then keep part of with nsp_arena_keep. */
void *nsp_arena_rest(struct nsp_arena *a, size_t *avail);
void nsp_arena_keep(struct nsp_arena *a, size_t n);
void nsp_arena_fini(struct nsp_arena *a);

#endif
