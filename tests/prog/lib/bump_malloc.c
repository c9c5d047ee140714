/* The program's own allocator, preloaded next to the shim: a bump
 * allocator that never frees and never calls into libc's malloc.  Counts
 * its calls so the test can see it was really used. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA ((size_t)256 << 20)
#define ALIGN 16

struct hdr {
	size_t size;
	size_t pad;
};

static char *base;
static _Atomic size_t used;
static _Atomic size_t calls;

static void *carve(size_t n, size_t align)
{
	size_t need, at, old;

	if (!base) {
		void *m = mmap(NULL, ARENA, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		char *none = NULL;
		if (m == MAP_FAILED)
			return NULL;
		if (!__atomic_compare_exchange_n(&base, &none, m, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			munmap(m, ARENA);
	}
	calls++;
	if (align < ALIGN)
		align = ALIGN;
	if (n > ARENA)
		return errno = ENOMEM, NULL;
	old = used;
	do {
		at = (old + sizeof(struct hdr) + align - 1) & ~(align - 1);
		need = at + n;
		if (need > ARENA)
			return errno = ENOMEM, NULL;
	} while (!__atomic_compare_exchange_n(&used, &old, need, 1, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	((struct hdr *)(base + at))[-1].size = n;
	return base + at;
}

void *malloc(size_t n) { return carve(n, ALIGN); }
void free(void *p) { (void)p; }
void *calloc(size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b)
		return errno = ENOMEM, NULL;
	return carve(a * b, ALIGN); /* fresh mmap pages are zero */
}
size_t malloc_usable_size(void *p) { return p ? ((struct hdr *)p)[-1].size : 0; }
void *realloc(void *p, size_t n)
{
	void *q = carve(n, ALIGN);
	size_t old = malloc_usable_size(p);
	if (q && p)
		memcpy(q, p, old < n ? old : n);
	return q;
}
void *memalign(size_t a, size_t n) { return carve(n, a); }
void *aligned_alloc(size_t a, size_t n) { return carve(n, a); }
void *valloc(size_t n) { return carve(n, 4096); }
void *pvalloc(size_t n) { return carve((n + 4095) & ~(size_t)4095, 4096); }
int posix_memalign(void **out, size_t a, size_t n)
{
	void *p = carve(n, a);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

__attribute__((destructor)) static void tell(void)
{
	char b[64];
	int n = snprintf(b, sizeof(b), "bump_malloc calls %zu\n", (size_t)calls);
	if (write(1, b, (size_t)n) < 0)
		return;
}
