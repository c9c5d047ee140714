/* Sanitizer runtimes.  A program built with ASan or TSan runs with the
 * runtime first in the library list, and the runtime's interceptor of
 * pthread_create calls ours: a stack captured there starts with the
 * interceptor's frame, not the program's call.  Those leading frames are
 * dropped like our own, so frame 0 stays the program's caller (and a
 * `creator` ignore of the API names the program's function).  Runtimes
 * linked into the executable (clang's default) are not recognised. */
#include <link.h>
#include <string.h>

#include "nsp.h"

#define MAX_RANGES 8

static struct {
	uintptr_t lo, hi;
} range[MAX_RANGES];
static size_t nrange;

static int is_runtime(const char *path)
{
	static const char *const names[] = { "libasan.so", "libtsan.so", "libubsan.so",
					     "liblsan.so", "libhwasan.so" };
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncmp(base, names[i], strlen(names[i])))
			return 1;
	return 0;
}

static int collect(struct dl_phdr_info *info, size_t size, void *unused)
{
	(void)size;
	(void)unused;
	if (!info->dlpi_name || !is_runtime(info->dlpi_name))
		return 0;
	for (int i = 0; i < info->dlpi_phnum && nrange < MAX_RANGES; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			range[nrange].lo = info->dlpi_addr + ph->p_vaddr;
			range[nrange].hi = range[nrange].lo + ph->p_memsz;
			nrange++;
		}
	}
	return 0;
}

/* At start-up: a runtime that comes first is loaded by then. */
void nsp_sanrt_init(void)
{
	if (!nrange)
		dl_iterate_phdr(collect, NULL);
}

static int in_runtime(uintptr_t ip)
{
	for (size_t i = 0; i < nrange; i++)
		if (ip >= range[i].lo && ip < range[i].hi)
			return 1;
	return 0;
}

size_t nsp_sanrt_drop_top(uintptr_t *ip, size_t n)
{
	size_t k = 0;

	while (k < n && in_runtime(ip[k]))
		k++;
	if (k)
		memmove(ip, ip + k, (n - k) * sizeof(*ip));
	return n - k;
}
