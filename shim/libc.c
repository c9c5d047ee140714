/* The C library's own definition of a symbol, found in its dynamic
 * symbol table: the way to the real dlsym and dlvsym, which dlsym itself
 * cannot give once we export both (every call to them, ours included,
 * reaches our wrappers).  The default version is the one taken, as an
 * unversioned dlsym would.
 *
 * A sanitizer runtime asks dlsym for its real functions before anything
 * is set up, its interceptors included: this calls no function at all.
 * The loaded objects come from the loader's list for debuggers.  The
 * same lookup, in the objects after this library, stands in for
 * dlsym(RTLD_NEXT) at start-up (nsp_next_symbol). */
#include <elf.h>
#include <link.h>

#include "real.h"

NSP_STARTUP NSP_RUNTIME_SAFE static int same(const char *a, const char *b)
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

NSP_STARTUP NSP_RUNTIME_SAFE static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* A dynamic entry's address: the loader relocates most of them in place,
 * but not on every architecture. */
NSP_STARTUP NSP_RUNTIME_SAFE static uintptr_t at(uintptr_t base, ElfW(Addr) v)
{
	return v < base ? base + v : v;
}

NSP_STARTUP NSP_RUNTIME_SAFE static int symtab_of(const struct link_map *m, struct nsp_symtab *t)
{
	t->sym = NULL;
	t->str = NULL;
	t->gh = NULL;
	t->versym = NULL;
	t->base = m->l_addr;
	for (const ElfW(Dyn) *dyn = m->l_ld; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (t->sym && t->str && t->gh && t->versym)
			break; /* all four: the rest is of no use here */
		if (dyn->d_tag == DT_SYMTAB)
			t->sym = (const ElfW(Sym) *)at(t->base, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			t->str = (const char *)at(t->base, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_GNU_HASH)
			t->gh = (const uint32_t *)at(t->base, dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_VERSYM)
			t->versym = (const ElfW(Half) *)at(t->base, dyn->d_un.d_ptr);
	}
	return t->sym && t->str && t->gh ? 0 : -1;
}

/* name's default definition in t: NULL if it has none, or if it is an
 * indirect function (whose address only its resolver gives).  The bloom
 * filter rules most objects out at once. */
NSP_STARTUP NSP_RUNTIME_SAFE static void *find(const struct nsp_symtab *t, const char *name, uint32_t h)
{
	const uint32_t *gh = t->gh;
	uint32_t nbuckets = gh[0], symoffset = gh[1], bloom_size = gh[2], shift = gh[3];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)(gh + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size);
	const uint32_t *chain = buckets + nbuckets;
	const unsigned bits = sizeof(ElfW(Addr)) * 8;
	ElfW(Addr) word = bloom[(h / bits) % bloom_size];
	uint32_t i;

	if (!((word >> (h % bits)) & (word >> ((h >> shift) % bits)) & 1))
		return NULL;
	if ((i = buckets[h % nbuckets]) < symoffset)
		return NULL;
	for (;; i++) {
		uint32_t c = chain[i - symoffset];
		const ElfW(Sym) *s = &t->sym[i];
		if ((c | 1) == (h | 1) && same(t->str + s->st_name, name) &&
		    s->st_shndx != SHN_UNDEF && (!t->versym || !(t->versym[i] & 0x8000)))
			return ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC ?
				       NULL : (void *)(t->base + s->st_value);
		if (c & 1)
			return NULL;
	}
}

NSP_RUNTIME_SAFE static void *lookup(const struct link_map *m, const char *name)
{
	struct nsp_symtab t;

	return symtab_of(m, &t) ? NULL : find(&t, name, gnu_hash(name));
}

NSP_RUNTIME_SAFE void *nsp_libc_symbol(const char *name)
{
	for (const struct link_map *m = _r_debug.r_map; m; m = m->l_next)
		if (is_libc(m->l_name))
			return lookup(m, name);
	return NULL;
}

extern ElfW(Dyn) _DYNAMIC[]; /* this library's own dynamic section */

/* The objects loaded with the program, as the loader's list has them, up
 * to SCOPE_MAX, their symbol tables read once for every lookup. */
NSP_STARTUP NSP_RUNTIME_SAFE void nsp_scope_read(struct nsp_scope *sc)
{
	const struct link_map *m = _r_debug.r_map;

	sc->n = 0;
	sc->ours = -1;
	sc->whole = 1;
	for (; m; m = m->l_next) {
		if (sc->n == NSP_SCOPE_MAX) {
			sc->whole = 0;
			break;
		}
		if (m->l_ld == _DYNAMIC)
			sc->ours = (int)sc->n;
		if (!symtab_of(m, &sc->t[sc->n]))
			sc->n++;
	}
}

/* What dlsym(RTLD_NEXT, name) gives us at start-up, without its cost
 * (the loader's lock, a lookup through every object's scope): the first
 * default definition in the objects loaded after this library.  Before
 * any dlopen, the objects in the loader's list are the global scope, in
 * its order.  NULL where that cannot be said (this library dlopen'ed, so
 * last in the list; more objects than were read) or the symbol is an
 * indirect function: the caller asks dlsym then. */
NSP_STARTUP NSP_RUNTIME_SAFE void *nsp_scope_next(const struct nsp_scope *sc, const char *name)
{
	uint32_t h = gnu_hash(name);
	void *p;

	if (sc->ours < 0)
		return NULL;
	for (size_t i = (size_t)sc->ours + 1; i < sc->n; i++)
		if ((p = find(&sc->t[i], name, h)))
			return p;
	return NULL;
}

/* Whether an object before this library defines name: dlsym(RTLD_DEFAULT)
 * would give that one, not ours.  -1 if that cannot be said. */
NSP_STARTUP NSP_RUNTIME_SAFE int nsp_scope_before(const struct nsp_scope *sc, const char *name)
{
	uint32_t h = gnu_hash(name);

	if (sc->ours < 0)
		return -1;
	for (size_t i = 0; i < (size_t)sc->ours; i++)
		if (find(&sc->t[i], name, h))
			return 1;
	return 0;
}
