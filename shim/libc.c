/* The C library's own definition of a symbol, found in its dynamic
 * symbol table: the way to the real dlsym and dlvsym, which dlsym itself
 * cannot give once we export both (every call to them, ours included,
 * reaches our wrappers).  The default version is the one taken, as an
 * unversioned dlsym would.
 *
 * A sanitizer runtime asks dlsym for its real functions before anything
 * is set up, its interceptors included: this calls no function at all.
 * The loaded objects come from the loader's list for debuggers. */
#include <elf.h>
#include <link.h>

#include "real.h"

NSP_RUNTIME_SAFE static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Whether path's last part starts with "libc.so.". */
NSP_RUNTIME_SAFE static int is_libc(const char *path)
{
	const char *base = path, *want = "libc.so.";

	for (const char *p = path; p && *p; p++)
		if (*p == '/')
			base = p + 1;
	while (*want && *base == *want)
		base++, want++;
	return path && !*want;
}

NSP_RUNTIME_SAFE static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* A dynamic entry's address: the loader relocates most of them in place,
 * but not on every architecture. */
NSP_RUNTIME_SAFE static uintptr_t at(uintptr_t base, ElfW(Addr) v)
{
	return v < base ? base + v : v;
}

NSP_RUNTIME_SAFE static void *lookup(const struct link_map *m, const char *name)
{
	const ElfW(Dyn) *dyn = m->l_ld;
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	const uint32_t *gh = NULL;
	const ElfW(Half) *versym = NULL;
	uintptr_t base = m->l_addr;

	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const ElfW(Sym) *)at(base, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (const char *)at(base, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_GNU_HASH)
			gh = (const uint32_t *)at(base, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_VERSYM)
			versym = (const ElfW(Half) *)at(base, dyn->d_un.d_ptr);
	}
	if (!sym || !str || !gh)
		return NULL;
	{
		uint32_t nbuckets = gh[0], symoffset = gh[1], bloom_size = gh[2];
		const uint32_t *buckets = (const uint32_t *)((const ElfW(Addr) *)(gh + 4) + bloom_size);
		const uint32_t *chain = buckets + nbuckets;
		uint32_t h = gnu_hash(name), i = buckets[h % nbuckets];

		if (i < symoffset)
			return NULL;
		for (;; i++) {
			uint32_t c = chain[i - symoffset];
			if ((c | 1) == (h | 1) && same(str + sym[i].st_name, name) &&
			    sym[i].st_shndx != SHN_UNDEF && (!versym || !(versym[i] & 0x8000)))
				return (void *)(base + sym[i].st_value);
			if (c & 1)
				return NULL;
		}
	}
}

NSP_RUNTIME_SAFE void *nsp_libc_symbol(const char *name)
{
	for (const struct link_map *m = _r_debug.r_map; m; m = m->l_next)
		if (is_libc(m->l_name))
			return lookup(m, name);
	return NULL;
}
