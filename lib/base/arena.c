/* Scratch memory for reports: one private mapping, bump allocated.  Pages
 * are only paid for when touched; mmap is usable from a signal handler. */
#include <errno.h>
#include <sys/mman.h>

#include "base/arena.h"

int nsp_arena_init(struct nsp_arena *a, size_t cap)
{
	void *m = mmap(NULL, cap, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	a->used = 0;
	if (m == MAP_FAILED) {
		a->base = NULL;
		a->cap = 0;
		return -ENOMEM;
	}
	a->base = m;
	a->cap = cap;
	return 0;
}

void *nsp_arena_alloc(struct nsp_arena *a, size_t n)
{
	size_t at = (a->used + 15) & ~(size_t)15;

	if (!a->base || at > a->cap || n > a->cap - at)
		return NULL;
	a->used = at + n;
	return a->base + at;
}

void nsp_arena_fini(struct nsp_arena *a)
{
	if (a->base)
		munmap(a->base, a->cap);
	a->base = NULL;
	a->cap = a->used = 0;
}

/* Everything left, for an array whose length is not known in advance;
 * nsp_arena_keep() then commits what was used. */
void *nsp_arena_rest(struct nsp_arena *a, size_t *avail)
{
	void *p = nsp_arena_alloc(a, 0);

	*avail = p ? a->cap - a->used : 0;
	return p;
}

void nsp_arena_keep(struct nsp_arena *a, size_t n)
{
	a->used += n;
}
