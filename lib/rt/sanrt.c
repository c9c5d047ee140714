/* Sanitizer runtimes.  A program built with ASan or TSan runs with the
 * runtime first in the library list, and the runtime's interceptor of
 * pthread_create calls ours: a stack captured there starts with the
 * interceptor's frame, not the program's call.  Those leading frames are
 * dropped like our own, so frame 0 stays the program's caller (and a
 * `creator` ignore of the API names the program's function).  A runtime
 * linked into the executable (clang's default) is no library of its own:
 * there the interceptors that can call ours are found by their exported
 * names, and their own code is what is dropped. */
#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "rt/unwind.h"

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

/* The sanitizer interceptors of what we wrap, when a runtime is linked
 * into the executable: each is one function that calls ours. */
static void static_runtime(void)
{
	static const char *const names[] = {
		"__interceptor_pthread_create", "__interceptor_pthread_exit",
		"__interceptor_setns", "__interceptor_unshare", "__interceptor_syscall",
	};

	if (!dlsym(RTLD_DEFAULT, "__asan_init") && !dlsym(RTLD_DEFAULT, "__tsan_init") &&
	    !dlsym(RTLD_DEFAULT, "__hwasan_init"))
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && nrange < MAX_RANGES; i++) {
		void *f = dlsym(RTLD_DEFAULT, names[i]);
		const ElfW(Sym) *sym = NULL;
		Dl_info di;
		if (f && dladdr1(f, &di, (void **)&sym, RTLD_DL_SYMENT) && sym && sym->st_size) {
			range[nrange].lo = (uintptr_t)f;
			range[nrange].hi = (uintptr_t)f + sym->st_size;
			nrange++;
		}
	}
}

/* At start-up: a runtime that comes first is loaded by then. */
void nsp_sanrt_init(void)
{
	if (!nrange)
		dl_iterate_phdr(collect, NULL);
	if (!nrange)
		static_runtime();
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
