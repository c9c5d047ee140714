/* A lock-free pool of fixed-size objects in mmap'd chunks never given
 * back, so any index ever handed out can be read without faulting. */
#ifndef NSP_POOL_H
#define NSP_POOL_H

#include <stdatomic.h>

#include "base/base.h"

/* Every pooled object starts with this header.  gen is odd while the object
 * is in use; a reader that copies an object checks gen before and after. */
struct nsp_obj {
	_Atomic uint32_t next;
	_Atomic uint32_t gen;
};

#define NSP_POOL_CHUNK_SHIFT 8
#define NSP_POOL_CHUNKS 4096 /* 1M objects */

struct nsp_pool {
	uint32_t size;
	_Atomic(void *) *chunk; /* NSP_POOL_CHUNKS of them */
	/* Written at every get and put: apart from what readers of objects
	 * read (NSP_CACHE_LINE). */
	_Alignas(NSP_CACHE_LINE) _Atomic uint64_t head; /* (tag << 32) | first free object */
	_Atomic uint32_t bump; /* objects ever carved out */
};

/* A pool's table of chunks, apart from the pool (32 KiB of zeros:
 * NSP_BIG_BSS, away from the small state every process touches), and the
 * pool of objects of type that uses it:
 *	NSP_POOL_CHUNKS_OF(p);
 *	struct nsp_pool p = NSP_POOL_INIT(struct item, p); */
#define NSP_POOL_CHUNKS_OF(name) NSP_BIG_BSS static _Atomic(void *) name##_chunks[NSP_POOL_CHUNKS]
#define NSP_POOL_INIT(type, name) { .size = sizeof(type), .chunk = name##_chunks }

uint32_t nsp_pool_get(struct nsp_pool *p);
void nsp_pool_put(struct nsp_pool *p, uint32_t idx);
void *nsp_pool_at(const struct nsp_pool *p, uint32_t idx);
/* The same for an index the pool handed out (its chunk is mapped), inline
 * for hot paths. */
static inline void *nsp_pool_obj(const struct nsp_pool *p, uint32_t idx)
{
	uint32_t i = idx - 1;
	char *c = atomic_load_explicit(&((struct nsp_pool *)p)->chunk[i >> NSP_POOL_CHUNK_SHIFT],
				       memory_order_acquire);

	return c + (size_t)(i & ((1u << NSP_POOL_CHUNK_SHIFT) - 1)) * p->size;
}
uint32_t nsp_pool_high(const struct nsp_pool *p);
size_t nsp_pool_bytes(const struct nsp_pool *p);
/* Copy a live object; 0 on success, -1 if it is free or changed meanwhile. */
int nsp_pool_copy(const struct nsp_pool *p, uint32_t idx, uint32_t gen, void *dst);

/* A reference that survives reuse of the slot: (gen << 32) | index. */
typedef uint64_t nsp_ref;
#define NSP_REF(idx, gen) (((uint64_t)(gen) << 32) | (idx))
#define NSP_REF_IDX(r) ((uint32_t)(r))
#define NSP_REF_GEN(r) ((uint32_t)((r) >> 32))

#endif
