/* Lock-free object pool.  Objects live in mmap'd chunks that are never
 * returned, so a reader may look at any index ever handed out without
 * faulting; the generation counter tells it whether what it read was whole.
 * Allocation is a Treiber stack with a tag against ABA, falling back to a
 * bump counter.  No malloc, no locks: safe in wrappers, signal handlers and
 * the child of fork(). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "base/pool.h"

#define CHUNK_OBJS (1u << NSP_POOL_CHUNK_SHIFT)

void *nsp_pool_at(const struct nsp_pool *p, uint32_t idx)
{
	uint32_t i = idx - 1;
	char *c = atomic_load_explicit(&((struct nsp_pool *)p)->chunk[i >> NSP_POOL_CHUNK_SHIFT],
				       memory_order_acquire);
	return c ? c + (size_t)(i & (CHUNK_OBJS - 1)) * p->size : NULL;
}

static int ensure_chunk(struct nsp_pool *p, uint32_t c)
{
	void *old = NULL, *m;

	if (c >= NSP_POOL_CHUNKS)
		return -1;
	if (atomic_load_explicit(&p->chunk[c], memory_order_acquire))
		return 0;
	m = mmap(NULL, (size_t)CHUNK_OBJS * p->size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	if (!atomic_compare_exchange_strong(&p->chunk[c], &old, m))
		munmap(m, (size_t)CHUNK_OBJS * p->size);
	return 0;
}

static uint32_t pop_free(struct nsp_pool *p)
{
	uint64_t head = atomic_load_explicit(&p->head, memory_order_acquire), next;
	struct nsp_obj *o;

	while ((uint32_t)head) {
		o = nsp_pool_at(p, (uint32_t)head);
		next = (head & ~0xffffffffull) + (1ull << 32);
		next |= atomic_load_explicit(&o->next, memory_order_relaxed);
		if (atomic_compare_exchange_weak_explicit(&p->head, &head, next,
							  memory_order_acq_rel,
							  memory_order_acquire))
			return (uint32_t)head;
	}
	return 0;
}

uint32_t nsp_pool_get(struct nsp_pool *p)
{
	uint32_t idx = pop_free(p);
	struct nsp_obj *o;

	if (!idx) {
		uint32_t n = atomic_load_explicit(&p->bump, memory_order_relaxed);
		do {
			if (ensure_chunk(p, n >> NSP_POOL_CHUNK_SHIFT))
				return 0;
		} while (!atomic_compare_exchange_weak(&p->bump, &n, n + 1));
		idx = n + 1;
	}
	o = nsp_pool_at(p, idx);
	atomic_fetch_add_explicit(&o->gen, 1, memory_order_release); /* now odd */
	return idx;
}

void nsp_pool_put(struct nsp_pool *p, uint32_t idx)
{
	struct nsp_obj *o = nsp_pool_at(p, idx);
	uint64_t head = atomic_load_explicit(&p->head, memory_order_relaxed), next;

	atomic_fetch_add_explicit(&o->gen, 1, memory_order_release); /* now even */
	do {
		atomic_store_explicit(&o->next, (uint32_t)head, memory_order_relaxed);
		next = (head & ~0xffffffffull) + (1ull << 32) + idx;
	} while (!atomic_compare_exchange_weak_explicit(&p->head, &head, next,
							memory_order_release,
							memory_order_relaxed));
}

NSP_STARTUP uint32_t nsp_pool_high(const struct nsp_pool *p)
{
	return atomic_load_explicit(&((struct nsp_pool *)p)->bump, memory_order_acquire);
}

size_t nsp_pool_bytes(const struct nsp_pool *p)
{
	uint32_t n = nsp_pool_high(p);
	return (size_t)((n + CHUNK_OBJS - 1) / CHUNK_OBJS) * CHUNK_OBJS * p->size;
}

/* A sequence-lock read: the owner may be writing the object while it is
 * copied (its atomic fields, or all of it once reused or refilled, which
 * the generation check then rejects).  Words are read with relaxed atomic
 * loads (plain moves on x86-64 and arm64), but the owner writes most
 * fields with plain stores, so ThreadSanitizer would report every copy
 * that overlaps a rewrite although the copy is then thrown away; the copy
 * alone is left out of its view (the generation loads are not).  A
 * report now reads every kept event this way (lib/symext.c), which made
 * the load test's races show. */
__attribute__((no_sanitize("thread"))) static void copy_words(void *dst, const void *src, size_t size)
{
	const uint64_t *s = src;
	uint64_t *d = dst;
	size_t i;

	for (i = 0; i < size / 8; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
	for (i *= 8; i < size; i++)
		((char *)dst)[i] = __atomic_load_n(&((const char *)src)[i], __ATOMIC_RELAXED);
}

int nsp_pool_copy(const struct nsp_pool *p, uint32_t idx, uint32_t gen, void *dst)
{
	struct nsp_obj *o;
	uint32_t g1, g2;

	if (!idx || idx > nsp_pool_high(p) || !(o = nsp_pool_at(p, idx)))
		return -ESTALE;
	g1 = atomic_load_explicit(&o->gen, memory_order_acquire);
	if (!(g1 & 1) || (gen && g1 != gen))
		return -ESTALE;
	copy_words(dst, o, p->size);
	atomic_thread_fence(memory_order_acquire);
	g2 = atomic_load_explicit(&o->gen, memory_order_relaxed);
	return g1 == g2 ? 0 : -1;
}
