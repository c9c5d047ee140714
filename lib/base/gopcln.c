/* Reading Go's pclntab from an ELF image: see gopcln.h.
 *
 * Everything read comes from a file that may be truncated, corrupt or
 * hostile (this is fuzzed), so every offset is checked against the
 * bytes it indexes before use, arithmetic is done in 64 bits, and the
 * walks that follow data (value tables, inline chains) are bounded by
 * the data they consume or by a fixed depth. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/gopcln.h"

#define MAGIC_116 0xfffffffau
#define MAGIC_118 0xfffffff0u
#define MAGIC_120 0xfffffff1u
#define MAGIC_12 0xfffffffbu

#define PCDATA_INLTREE 2
#define FUNCDATA_INLTREE 3
#define NO_FUNCDATA 0xffffffffu
#define NO_FILE 0xffffffffu

/* Go inlines by a budget, so real chains are a handful deep; a longer
 * one can only come from a corrupt tree that loops. */
#define MAX_INLINE_DEPTH 64

#define EM_386 3
#define EM_PPC64 21
#define EM_S390 22
#define EM_X86_64 62
#define EM_AARCH64 183
#define EM_RISCV 243
#define EM_LOONGARCH 258

#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define SHT_RELA 4
#define SHT_NOBITS 8

/* ---- bytes */

static uint64_t get(const uint8_t *p, unsigned n, bool be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
	return v;
}

static uint32_t get32(const uint8_t *p, bool be)
{
	return (uint32_t)get(p, 4, be);
}

/* Two's complement without relying on implementation-defined
 * conversions: table values are int32 that wrap as Go's do. */
static int32_t as_i32(uint32_t u)
{
	return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

/* off + n <= len without the sum overflowing. */
static bool fits(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

/* ---- the ELF container */

struct elf {
	const uint8_t *p;
	uint64_t len;
	bool is64, be;
	uint16_t machine;
	uint64_t phoff, shoff;
	unsigned phnum, shnum, phentsize, shentsize, shstrndx;
};

struct shdr {
	uint32_t name, type;
	uint64_t flags, addr, off, size, entsize;
};

struct phdr {
	uint32_t type, flags;
	uint64_t off, vaddr, filesz;
};

/* Header tables that do not fit the file are dropped rather than
 * refused: a file cut after its program headers still has them. */
static int elf_init(struct elf *e, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	memset(e, 0, sizeof(*e));
	if (!buf || len < 52 || memcmp(p, "\177ELF", 4) != 0)
		return -ENOEXEC;
	if ((p[4] != 1 && p[4] != 2) || (p[5] != 1 && p[5] != 2))
		return -ENOEXEC;
	e->p = p;
	e->len = len;
	e->is64 = p[4] == 2;
	e->be = p[5] == 2;
	if (e->is64 && len < 64)
		return -ENOEXEC;
	e->machine = (uint16_t)get(p + 18, 2, e->be);
	if (e->is64) {
		e->phoff = get(p + 32, 8, e->be);
		e->shoff = get(p + 40, 8, e->be);
		e->phentsize = (unsigned)get(p + 54, 2, e->be);
		e->phnum = (unsigned)get(p + 56, 2, e->be);
		e->shentsize = (unsigned)get(p + 58, 2, e->be);
		e->shnum = (unsigned)get(p + 60, 2, e->be);
		e->shstrndx = (unsigned)get(p + 62, 2, e->be);
	} else {
		e->phoff = get(p + 28, 4, e->be);
		e->shoff = get(p + 32, 4, e->be);
		e->phentsize = (unsigned)get(p + 42, 2, e->be);
		e->phnum = (unsigned)get(p + 44, 2, e->be);
		e->shentsize = (unsigned)get(p + 46, 2, e->be);
		e->shnum = (unsigned)get(p + 48, 2, e->be);
		e->shstrndx = (unsigned)get(p + 50, 2, e->be);
	}
	if (e->phentsize < (e->is64 ? 56u : 32u) ||
	    !fits(e->phoff, (uint64_t)e->phnum * e->phentsize, len))
		e->phnum = 0;
	if (e->shentsize < (e->is64 ? 64u : 40u) ||
	    !fits(e->shoff, (uint64_t)e->shnum * e->shentsize, len))
		e->shnum = 0;
	return 0;
}

static void elf_phdr(const struct elf *e, unsigned i, struct phdr *ph)
{
	const uint8_t *q = e->p + e->phoff + (uint64_t)i * e->phentsize;

	ph->type = (uint32_t)get(q, 4, e->be);
	if (e->is64) {
		ph->flags = (uint32_t)get(q + 4, 4, e->be);
		ph->off = get(q + 8, 8, e->be);
		ph->vaddr = get(q + 16, 8, e->be);
		ph->filesz = get(q + 32, 8, e->be);
	} else {
		ph->off = get(q + 4, 4, e->be);
		ph->vaddr = get(q + 8, 4, e->be);
		ph->filesz = get(q + 16, 4, e->be);
		ph->flags = (uint32_t)get(q + 24, 4, e->be);
	}
}

static void elf_shdr(const struct elf *e, unsigned i, struct shdr *sh)
{
	const uint8_t *q = e->p + e->shoff + (uint64_t)i * e->shentsize;
	unsigned w = e->is64 ? 8 : 4;

	sh->name = (uint32_t)get(q, 4, e->be);
	sh->type = (uint32_t)get(q + 4, 4, e->be);
	sh->flags = get(q + 8, w, e->be);
	sh->addr = get(q + 8 + w, w, e->be);
	sh->off = get(q + 8 + 2 * w, w, e->be);
	sh->size = get(q + 8 + 3 * w, w, e->be);
	sh->entsize = get(q + 16 + 5 * w, w, e->be);
}

/* The file bytes of a section, or NULL for NOBITS and ones that do not
 * fit the file. */
static const uint8_t *sect_bytes(const struct elf *e, const struct shdr *sh)
{
	if (sh->type == SHT_NOBITS || !fits(sh->off, sh->size, e->len))
		return NULL;
	return e->p + sh->off;
}

static bool sect_named(const struct elf *e, const struct shdr *sh,
		       const char *name)
{
	struct shdr strs;
	const uint8_t *s;
	size_t n = strlen(name) + 1;

	if (e->shstrndx >= e->shnum)
		return false;
	elf_shdr(e, e->shstrndx, &strs);
	s = sect_bytes(e, &strs);
	return s && fits(sh->name, n, strs.size) &&
	       memcmp(s + sh->name, name, n) == 0;
}

static bool find_sect(const struct elf *e, const char *name, struct shdr *sh)
{
	for (unsigned i = 0; i < e->shnum; i++) {
		elf_shdr(e, i, sh);
		if (sect_named(e, sh, name))
			return true;
	}
	return false;
}

/* The file bytes behind n bytes at link-time address va: through the
 * program headers, or the sections of a file that has none. */
static const uint8_t *at_vaddr(const struct elf *e, uint64_t va, uint64_t n)
{
	struct phdr ph;
	struct shdr sh;

	for (unsigned i = 0; i < e->phnum; i++) {
		elf_phdr(e, i, &ph);
		if (ph.type != PT_LOAD || va < ph.vaddr ||
		    !fits(va - ph.vaddr, n, ph.filesz) ||
		    !fits(ph.off, ph.filesz, e->len))
			continue;
		return e->p + ph.off + (va - ph.vaddr);
	}
	if (e->phnum)
		return NULL;
	for (unsigned i = 0; i < e->shnum; i++) {
		const uint8_t *b;

		elf_shdr(e, i, &sh);
		if (!(sh.flags & 2 /* SHF_ALLOC */) || va < sh.addr ||
		    !fits(va - sh.addr, n, sh.size) || !(b = sect_bytes(e, &sh)))
			continue;
		return b + (va - sh.addr);
	}
	return NULL;
}

/* ---- relocated words
 *
 * In a position-independent executable the words that hold addresses
 * are relocated when it loads.  Go's own linker and GNU ld also leave
 * the link-time value in the file, but a linker may leave 0 there with
 * the value only as the addend of a RELATIVE relocation (lld does).
 * Only the few words read at open and per inline tree go through here,
 * so a linear pass over the relocations is enough. */

static uint32_t relative_type(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return 8;
	case EM_AARCH64: return 1027;
	case EM_PPC64: return 22;
	case EM_S390: return 12;
	case EM_RISCV: return 3;
	case EM_LOONGARCH: return 3;
	default: return 0;
	}
}

struct rela {
	uint64_t off, addend;
};

/* Calls fn on each RELATIVE relocation until it returns true. */
static bool each_relative(const struct elf *e,
			  bool (*fn)(void *arg, const struct rela *r), void *arg)
{
	uint32_t want = relative_type(e->machine);
	unsigned w = e->is64 ? 8 : 4, esz = 3 * w;
	struct shdr sh;

	if (!want)
		return false;
	for (unsigned i = 0; i < e->shnum; i++) {
		const uint8_t *b;

		elf_shdr(e, i, &sh);
		if (sh.type != SHT_RELA || sh.entsize < esz || !(b = sect_bytes(e, &sh)))
			continue;
		for (uint64_t o = 0; fits(o, esz, sh.size); o += sh.entsize) {
			uint64_t info = get(b + o + w, w, e->be);
			uint32_t type = e->is64 ? (uint32_t)info : (uint32_t)(info & 0xff);
			struct rela r = { get(b + o, w, e->be), get(b + o + 2 * w, w, e->be) };

			if (type == want && fn(arg, &r))
				return true;
		}
	}
	return false;
}

struct rel_query {
	uint64_t key, out;
};

static bool rel_at(void *arg, const struct rela *r)
{
	struct rel_query *q = arg;

	if (r->off != q->key)
		return false;
	q->out = r->addend;
	return true;
}

/* The pointer-sized word at va as it is once loaded (bias aside). */
static bool read_word(const struct elf *e, unsigned ps, bool be, uint64_t va,
		      uint64_t *v)
{
	const uint8_t *b = at_vaddr(e, va, ps);
	struct rel_query q = { va, 0 };

	if (!b)
		return false;
	*v = get(b, ps, be);
	if (*v == 0 && each_relative(e, rel_at, &q))
		*v = q.out;
	return true;
}

/* ---- the table header */

static unsigned ftab_field(const struct nsp_gopcln *t)
{
	return t->version >= 118 ? 4 : t->ptrsize;
}

static uint64_t hdr_word(const struct nsp_gopcln *t, unsigned i)
{
	return get(t->tab + 8 + (uint64_t)i * t->ptrsize, t->ptrsize, t->big_endian);
}

static int magic_version(uint32_t m)
{
	switch (m) {
	case MAGIC_116: return 116;
	case MAGIC_118: return 118;
	case MAGIC_120: return 120;
	case MAGIC_12: return 12;
	default: return 0;
	}
}

/* Returns the layout's version for a plausible header at p, 12 for the
 * pre-1.16 one, 0 for anything else.  The magic's byte order is the
 * table's: every magic is ff ff ff X with X != ff, so at most one
 * order reads as a magic. */
static int header_version(const uint8_t *p, uint64_t avail, bool *be)
{
	int v;

	if (avail < 16 || p[4] || p[5] || (p[6] != 1 && p[6] != 2 && p[6] != 4) ||
	    (p[7] != 4 && p[7] != 8))
		return 0;
	*be = false;
	if ((v = magic_version(get32(p, false))))
		return v;
	*be = true;
	return magic_version(get32(p, true));
}

/* Region i (funcname, cutab, filetab, pctab) runs to the start of the
 * next; the function table runs to the end of what is available. */
static int set_regions(struct nsp_gopcln *t)
{
	unsigned first = t->version >= 118 ? 3 : 2; /* skip nfunc, nfiles (, textStart) */
	struct nsp_gopcln_region *r[5] = { &t->funcname, &t->cutab, &t->filetab,
					   &t->pctab, &t->ftab };
	uint64_t hdr = 8 + (uint64_t)(first + 5) * t->ptrsize, prev = hdr;
	unsigned fs = ftab_field(t);

	if (t->tab_len < hdr)
		return -EBADMSG;
	for (unsigned i = 0; i < 5; i++) {
		uint64_t off = hdr_word(t, first + i);

		if (off < prev || off > t->tab_len)
			return -EBADMSG;
		r[i]->off = off;
		if (i)
			r[i - 1]->len = off - r[i - 1]->off;
		prev = off;
	}
	t->ftab.len = t->tab_len - t->ftab.off;
	t->nfunc = hdr_word(t, 0);
	/* nfunc entries of two fields, then the end pc */
	if (t->nfunc == 0 || t->ftab.len / fs == 0 ||
	    t->nfunc > (t->ftab.len / fs - 1) / 2)
		return -EBADMSG;
	return 0;
}

static int check_header(struct nsp_gopcln *t, const uint8_t *p, uint64_t avail,
			uint64_t vaddr)
{
	bool be = false;
	int v = header_version(p, avail, &be);

	if (v == 12)
		return -EPROTONOSUPPORT;
	if (!v)
		return -ENOENT;
	t->version = v;
	t->big_endian = be;
	t->quantum = p[6];
	t->ptrsize = p[7];
	t->tab = p;
	t->tab_len = avail;
	t->tab_vaddr = vaddr;
	return set_regions(t) ? -ENOENT : 0;
}

/* ---- the function table */

static uint64_t ftab_get(const struct nsp_gopcln *t, uint64_t field)
{
	unsigned fs = ftab_field(t);

	return get(t->tab + t->ftab.off + field * fs, fs, t->big_endian);
}

/* Entry i (i == nfunc: the end of the last function), link-time. */
static uint64_t entry_of(const struct nsp_gopcln *t, uint64_t i)
{
	uint64_t v = ftab_get(t, 2 * i);

	return t->version >= 118 ? t->text_start + v : v;
}

/* A decoded _func record. */
struct fn {
	uint64_t entry, end;
	const uint8_t *rec;
	uint64_t rec_va;
	uint32_t nameoff, pcsp, pcfile, pcln, npcdata, cuoff;
	uint8_t funcid, flag, nfuncdata;
	uint64_t pcdata_off, funcdata_off; /* from rec */
};

static uint32_t rec32(const struct nsp_gopcln *t, const struct fn *f, uint64_t off)
{
	return get32(f->rec + off, t->big_endian);
}

/* Field offsets after the entry: the 1.16 record starts with a
 * pointer-sized entry, the 1.18 one with a 32-bit offset, and 1.20
 * put startLine before funcID. */
static int decode_func(const struct nsp_gopcln *t, uint64_t i, struct fn *f)
{
	uint64_t funcoff = ftab_get(t, 2 * i + 1);
	uint64_t base = t->version >= 118 ? 4 : t->ptrsize;
	uint64_t idoff = base + 32 + (t->version >= 120 ? 4 : 0);
	uint64_t fixed = idoff + 4, avail, fdsize;

	if (!fits(funcoff, fixed, t->ftab.len))
		return -EBADMSG;
	f->rec = t->tab + t->ftab.off + funcoff;
	f->rec_va = t->tab_vaddr + t->ftab.off + funcoff;
	avail = t->ftab.len - funcoff;
	f->nameoff = rec32(t, f, base);
	f->pcsp = rec32(t, f, base + 12);
	f->pcfile = rec32(t, f, base + 16);
	f->pcln = rec32(t, f, base + 20);
	f->npcdata = rec32(t, f, base + 24);
	f->cuoff = rec32(t, f, base + 28);
	f->funcid = f->rec[idoff];
	f->flag = f->rec[idoff + 1];
	f->nfuncdata = f->rec[idoff + 3];
	f->pcdata_off = fixed;
	f->funcdata_off = fixed + (uint64_t)f->npcdata * 4;
	fdsize = 4;
	if (t->version < 118) {
		/* absolute pointers, aligned in memory; a record without
		 * them has no padding, and may end the table */
		fdsize = t->ptrsize;
		if (f->nfuncdata && t->ptrsize == 8 &&
		    ((f->rec_va + f->funcdata_off) & 4))
			f->funcdata_off += 4;
	}
	if (!fits(f->funcdata_off, f->nfuncdata * fdsize, avail))
		return -EBADMSG;
	return 0;
}

/* Finds the function holding link-time pc: the last entry <= pc. */
static int find_func(const struct nsp_gopcln *t, uint64_t pc, struct fn *f)
{
	uint64_t lo = 0, hi = t->nfunc;

	if (pc < entry_of(t, 0) || pc >= entry_of(t, t->nfunc))
		return -ENOENT;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (entry_of(t, mid) <= pc)
			lo = mid;
		else
			hi = mid;
	}
	f->entry = entry_of(t, lo);
	f->end = entry_of(t, lo + 1);
	/* an unsorted (corrupt) table can land on a wrong slot */
	if (pc < f->entry || pc >= f->end)
		return -ENOENT;
	return decode_func(t, lo, f);
}

/* ---- strings */

static const char *cstr(const struct nsp_gopcln *t,
			const struct nsp_gopcln_region *r, uint64_t off)
{
	const uint8_t *s;

	if (off >= r->len)
		return NULL;
	s = t->tab + r->off + off;
	return memchr(s, 0, r->len - off) ? (const char *)s : NULL;
}

static const char *func_name(const struct nsp_gopcln *t, uint32_t nameoff)
{
	return cstr(t, &t->funcname, nameoff);
}

/* A pcfile value is an index into the function's compilation unit's
 * slice of cutab, which holds filetab offsets. */
static const char *file_name(const struct nsp_gopcln *t, uint32_t cuoff,
			     int32_t fileno)
{
	uint64_t idx;
	uint32_t foff;

	if (fileno < 0)
		return NULL;
	idx = (uint64_t)cuoff + (uint64_t)fileno;
	if (!fits(idx * 4, 4, t->cutab.len))
		return NULL;
	foff = get32(t->tab + t->cutab.off + idx * 4, t->big_endian);
	return foff == NO_FILE ? NULL : cstr(t, &t->filetab, foff);
}

/* ---- pc-value tables
 *
 * A table is a run of (value delta, pc delta) pairs of varints, the
 * value delta zig-zag signed, the pc delta in quanta; the value starts
 * at -1 at the entry, and a zero value delta after the first pair ends
 * it.  The value for pc is the one in force when the running pc first
 * passes it. */

static int varint(const uint8_t *p, uint64_t len, uint64_t *at, uint32_t *out)
{
	uint32_t v = 0;

	for (unsigned shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (*at >= len)
			return -EBADMSG;
		b = p[(*at)++];
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -EBADMSG;
}

static int pcvalue(const struct nsp_gopcln *t, const struct fn *f, uint32_t off,
		   uint64_t pc, int32_t *val)
{
	const uint8_t *p;
	uint64_t len, at = 0, cur = f->entry;
	uint32_t v = 0xffffffffu; /* -1 */
	bool first = true;

	if (off == 0)
		return -ENOENT;
	if (off >= t->pctab.len)
		return -EBADMSG;
	p = t->tab + t->pctab.off + off;
	len = t->pctab.len - off;
	for (;;) {
		uint32_t dv, dpc;
		uint64_t next;

		if (at >= len)
			return -EBADMSG;
		if (p[at] == 0 && !first)
			return -ENOENT; /* pc past the table */
		if (varint(p, len, &at, &dv) || varint(p, len, &at, &dpc))
			return -EBADMSG;
		first = false;
		v += (dv >> 1) ^ (0u - (dv & 1)); /* zig-zag */
		next = cur + (uint64_t)dpc * t->quantum;
		if (next < cur)
			return -EBADMSG;
		if (pc < next) {
			*val = as_i32(v);
			return 0;
		}
		cur = next;
	}
}

static int pcdata(const struct nsp_gopcln *t, const struct fn *f, uint32_t idx,
		  uint64_t pc, int32_t *val)
{
	if (idx >= f->npcdata)
		return -ENOENT;
	return pcvalue(t, f, rec32(t, f, f->pcdata_off + idx * 4), pc, val);
}

static void position(const struct nsp_gopcln *t, const struct fn *f,
		     uint64_t pc, struct nsp_gopcln_loc *loc)
{
	int32_t fileno, line;

	loc->file = NULL;
	loc->line = 0;
	if (pcvalue(t, f, f->pcfile, pc, &fileno) == 0)
		loc->file = file_name(t, f->cuoff, fileno);
	if (pcvalue(t, f, f->pcln, pc, &line) == 0 && line > 0)
		loc->line = line;
}

/* ---- inline trees */

struct inl {
	uint32_t nameoff;
	int32_t parent_pc;
};

/* The link-time address of the function's inline tree. */
static bool inl_tree(const struct nsp_gopcln *t, const struct elf *e,
		     const struct fn *f, uint64_t *va)
{
	if (f->nfuncdata <= FUNCDATA_INLTREE)
		return false;
	if (t->version >= 118) {
		uint32_t off = rec32(t, f, f->funcdata_off + FUNCDATA_INLTREE * 4);

		if (off == NO_FUNCDATA || !t->gofunc)
			return false;
		*va = t->gofunc + off;
		return true;
	}
	return read_word(e, t->ptrsize, t->big_endian,
			 f->rec_va + f->funcdata_off + FUNCDATA_INLTREE * t->ptrsize, va) &&
	       *va != 0;
}

/* Entry ix of a tree: 20 bytes before 1.20 (parent, funcID, file,
 * line, name, parentPc), 16 since (funcID, name, parentPc,
 * startLine).  Callers are found through parentPc in both, as the
 * runtime does, so the older file/line fields are not needed. */
static bool inl_entry(const struct nsp_gopcln *t, const struct elf *e,
		      uint64_t tree, int32_t ix, struct inl *out)
{
	unsigned size = t->version >= 120 ? 16 : 20;
	unsigned name_at = t->version >= 120 ? 4 : 12;
	const uint8_t *b = at_vaddr(e, tree + (uint64_t)ix * size, size);

	if (!b)
		return false;
	out->nameoff = get32(b + name_at, t->big_endian);
	out->parent_pc = as_i32(get32(b + name_at + 4, t->big_endian));
	return true;
}

/* Fills inl[] innermost first and leaves *pc at a pc whose position is
 * the physical function's. */
static void inline_chain(const struct nsp_gopcln *t, const struct fn *f,
			 uint64_t *pc, struct nsp_gopcln_sym *sym,
			 struct nsp_gopcln_loc *inl, size_t cap)
{
	struct elf e;
	uint64_t tree;
	int32_t ix;

	if (elf_init(&e, t->elf, t->elf_len) || !inl_tree(t, &e, f, &tree))
		return;
	for (unsigned depth = 0; depth < MAX_INLINE_DEPTH; depth++) {
		struct inl call;
		struct nsp_gopcln_loc loc;
		uint64_t parent;

		if (pcdata(t, f, PCDATA_INLTREE, *pc, &ix) || ix < 0 ||
		    !inl_entry(t, &e, tree, ix, &call) ||
		    !(loc.func = func_name(t, call.nameoff)))
			return;
		parent = f->entry + (uint64_t)(int64_t)call.parent_pc;
		if (parent < f->entry || parent >= f->end)
			return;
		position(t, f, *pc, &loc);
		if (sym->ninl < cap)
			inl[sym->ninl++] = loc;
		else
			sym->inl_more = 1;
		*pc = parent;
	}
}

/* ---- finding the runtime's moduledata
 *
 * Since 1.18 funcdata are offsets from go:func.*, whose address is
 * only in the runtime's moduledata.  Stripped binaries have no symbol
 * for it, but it starts with a pointer to the table header followed by
 * slices over the table's regions, which no other data matches. */

#define MD_MINPC 20
#define MD_TEXT 22

static unsigned md_gofunc_word(const struct nsp_gopcln *t)
{
	/* 1.20 added covctrs, ecovctrs before end */
	return t->version >= 120 ? 40 : 38;
}

static bool md_matches(const struct nsp_gopcln *t, const struct elf *e,
		       uint64_t md)
{
	static const unsigned word[] = { 0, 1, 4, 7, 10, 13, 16 };
	const uint64_t off[] = { 0, t->funcname.off, t->cutab.off, t->filetab.off,
				 t->pctab.off, t->ftab.off, t->ftab.off };
	uint64_t v;

	for (unsigned i = 0; i < sizeof(word) / sizeof(word[0]); i++)
		if (!read_word(e, t->ptrsize, t->big_endian,
			       md + (uint64_t)word[i] * t->ptrsize, &v) ||
		    v != t->tab_vaddr + off[i])
			return false;
	/* fields past the slices differ by release: check the layout */
	return read_word(e, t->ptrsize, t->big_endian, md + MD_MINPC * t->ptrsize, &v) &&
	       v == t->min_pc &&
	       read_word(e, t->ptrsize, t->big_endian, md + MD_TEXT * t->ptrsize, &v) &&
	       v == t->text_start;
}

static void md_take(struct nsp_gopcln *t, const struct elf *e, uint64_t md)
{
	uint64_t gofunc;

	if (!read_word(e, t->ptrsize, t->big_endian,
		       md + (uint64_t)md_gofunc_word(t) * t->ptrsize, &gofunc) ||
	    !at_vaddr(e, gofunc, 1))
		return;
	t->moduledata = md;
	t->gofunc = gofunc;
}

struct md_query {
	struct nsp_gopcln *t;
	const struct elf *e;
};

static bool md_by_reloc(void *arg, const struct rela *r)
{
	struct md_query *q = arg;

	if (r->addend != q->t->tab_vaddr || !md_matches(q->t, q->e, r->off))
		return false;
	md_take(q->t, q->e, r->off);
	return q->t->gofunc != 0;
}

/* moduledata is written data (.noptrdata): writable segments are
 * scanned first, the rest only for layouts seen nowhere yet. */
static void find_moduledata(struct nsp_gopcln *t, const struct elf *e)
{
	unsigned ps = t->ptrsize;
	struct md_query q = { t, e };
	uint8_t needle[8];
	struct phdr ph;

	for (unsigned i = 0; i < ps; i++)
		needle[t->big_endian ? ps - 1 - i : i] = (uint8_t)(t->tab_vaddr >> (8 * i));
	for (int pass = 0; pass < 2 && !t->gofunc; pass++)
		for (unsigned i = 0; i < e->phnum && !t->gofunc; i++) {
			const uint8_t *b;
			bool writable;

			elf_phdr(e, i, &ph);
			writable = ph.flags & PF_W;
			if (ph.type != PT_LOAD || writable != (pass == 0) ||
			    !fits(ph.off, ph.filesz, e->len))
				continue;
			b = e->p + ph.off;
			for (uint64_t o = (ps - ph.vaddr % ps) % ps; fits(o, ps, ph.filesz); o += ps)
				if (memcmp(b + o, needle, ps) == 0 && md_matches(t, e, ph.vaddr + o)) {
					md_take(t, e, ph.vaddr + o);
					break;
				}
		}
	if (!t->gofunc)
		each_relative(e, md_by_reloc, &q);
}

/* ---- opening */

/* The table header may sit anywhere 4-aligned in a merged section.  An
 * old (pre-1.16) magic is only reported if nothing newer turns up, as
 * the pattern could be any data. */
static int scan(struct nsp_gopcln *t, const uint8_t *b, uint64_t len,
		uint64_t vaddr)
{
	int res = -ENOENT;

	for (uint64_t o = (4 - vaddr % 4) % 4; fits(o, 16, len); o += 4) {
		const uint8_t *p = b + o;
		int r;

		if (p[4] || p[5] || !((p[1] == 0xff && p[2] == 0xff && p[3] == 0xff) ||
				      (p[0] == 0xff && p[1] == 0xff && p[2] == 0xff)))
			continue;
		r = check_header(t, p, len - o, vaddr + o);
		if (r == 0)
			return 0;
		if (r == -EPROTONOSUPPORT)
			res = r;
	}
	return res;
}

static int find_table(struct nsp_gopcln *t, const struct elf *e)
{
	static const char *const names[] = { ".gopclntab", ".data.rel.ro.gopclntab" };
	struct shdr sh;
	struct phdr ph;
	const uint8_t *b;
	int r, old = 0;

	for (unsigned i = 0; i < 2; i++)
		if (find_sect(e, names[i], &sh) && (b = sect_bytes(e, &sh))) {
			t->found_by = NSP_GOPCLN_SECTION;
			r = check_header(t, b, sh.size, sh.addr);
			return r == -ENOENT ? -EBADMSG : r;
		}
	if (find_sect(e, ".data.rel.ro", &sh) && (b = sect_bytes(e, &sh))) {
		t->found_by = NSP_GOPCLN_RELRO_SCAN;
		if ((r = scan(t, b, sh.size, sh.addr)) == 0)
			return 0;
		old |= r == -EPROTONOSUPPORT;
	}
	/* non-executable segments first: the table is read-only data */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < e->phnum; i++) {
			bool exec;

			elf_phdr(e, i, &ph);
			exec = ph.flags & PF_X;
			if (ph.type != PT_LOAD || exec != (pass == 1) ||
			    !fits(ph.off, ph.filesz, e->len))
				continue;
			t->found_by = NSP_GOPCLN_SEGMENT_SCAN;
			if ((r = scan(t, e->p + ph.off, ph.filesz, ph.vaddr)) == 0)
				return 0;
			old |= r == -EPROTONOSUPPORT;
		}
	return old ? -EPROTONOSUPPORT : -ENOENT;
}

/* textStart is a relocated word of the header (1.18+).  Failing that,
 * .text: right for Go's own linker, which puts runtime.text first, but
 * not for a system linker that puts C start-up code before it. */
static int find_text_start(struct nsp_gopcln *t, const struct elf *e)
{
	struct shdr sh;
	uint64_t v = hdr_word(t, 2);

	if (v == 0)
		read_word(e, t->ptrsize, t->big_endian,
			  t->tab_vaddr + 8 + 2 * (uint64_t)t->ptrsize, &v);
	if (v == 0 && find_sect(e, ".text", &sh))
		v = sh.addr;
	if (v == 0)
		return -EBADMSG;
	t->text_start = v;
	return 0;
}

int nsp_gopcln_open(struct nsp_gopcln *t, const void *elf, size_t len,
		    uintptr_t bias)
{
	struct elf e;
	int r;

	if (!t)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	if ((r = elf_init(&e, elf, len)))
		return r;
	t->elf = elf;
	t->elf_len = len;
	t->bias = bias;
	t->elf64 = e.is64;
	t->machine = e.machine;
	if ((r = find_table(t, &e)) == 0 &&
	    (t->version < 118 || (r = find_text_start(t, &e)) == 0)) {
		t->min_pc = entry_of(t, 0);
		t->max_pc = entry_of(t, t->nfunc);
		if (t->max_pc < t->min_pc)
			r = -EBADMSG;
	}
	if (r) {
		/* lookups on a failed table say -EINVAL, not garbage */
		memset(t, 0, sizeof(*t));
		return r;
	}
	if (t->version >= 118)
		find_moduledata(t, &e);
	return 0;
}

int nsp_gopcln_load_bias(const void *elf, size_t len, uintptr_t start,
			 uint64_t file_off, uintptr_t *bias)
{
	struct elf e;
	struct phdr ph;
	int r;

	if (!bias)
		return -EINVAL;
	if ((r = elf_init(&e, elf, len)))
		return r;
	/* vaddr - offset is the same for the whole of a PT_LOAD, and the
	 * mapping may start below p_offset by page rounding */
	for (unsigned i = 0; i < e.phnum; i++) {
		elf_phdr(&e, i, &ph);
		if (ph.type != PT_LOAD || file_off >= ph.off + ph.filesz)
			continue;
		*bias = (uintptr_t)(start - file_off - (ph.vaddr - ph.off));
		return 0;
	}
	return -ENOENT;
}

/* ---- lookups */

static int link_pc(const struct nsp_gopcln *t, uintptr_t pc, uint64_t *lpc)
{
	if (!t || !t->tab)
		return -EINVAL;
	if (pc < t->bias)
		return -ENOENT;
	*lpc = (uint64_t)(pc - t->bias);
	return 0;
}

int nsp_gopcln_lookup(const struct nsp_gopcln *t, uintptr_t pc,
		      struct nsp_gopcln_sym *sym,
		      struct nsp_gopcln_loc *inl, size_t inl_cap)
{
	struct fn f;
	uint64_t lpc, at;
	int r;

	if (!sym || (!inl && inl_cap))
		return -EINVAL;
	memset(sym, 0, sizeof(*sym));
	if ((r = link_pc(t, pc, &lpc)) || (r = find_func(t, lpc, &f)))
		return r;
	if (!(sym->fn.func = func_name(t, f.nameoff)))
		return -EBADMSG;
	sym->entry = (uintptr_t)(f.entry + t->bias);
	sym->end = (uintptr_t)(f.end + t->bias);
	sym->funcid = f.funcid;
	sym->flag = f.flag; /* a zero pad byte before 1.17 */
	if (pcvalue(t, &f, f.pcsp, lpc, &sym->spdelta))
		sym->spdelta = -1;
	at = lpc;
	inline_chain(t, &f, &at, sym, inl, inl_cap);
	position(t, &f, at, &sym->fn);
	return 0;
}

int nsp_gopcln_spdelta(const struct nsp_gopcln *t, uintptr_t pc, int32_t *delta)
{
	struct fn f;
	uint64_t lpc;
	int r;

	if (!delta)
		return -EINVAL;
	if ((r = link_pc(t, pc, &lpc)) || (r = find_func(t, lpc, &f)))
		return r;
	return pcvalue(t, &f, f.pcsp, lpc, delta) ? -EBADMSG : 0;
}

int nsp_gopcln_func_at(const struct nsp_gopcln *t, uint64_t i,
		       uintptr_t *entry, uintptr_t *end, const char **name)
{
	struct fn f;
	int r;

	if (!t || !t->tab || i >= t->nfunc)
		return -EINVAL;
	if ((r = decode_func(t, i, &f)))
		return r;
	if (entry)
		*entry = (uintptr_t)(entry_of(t, i) + t->bias);
	if (end)
		*end = (uintptr_t)(entry_of(t, i + 1) + t->bias);
	if (name && !(*name = func_name(t, f.nameoff)))
		return -EBADMSG;
	return 0;
}

/* ---- unwinding */

/* Releases before 1.17 have no flag byte; these names carry the flags
 * the later ones set. */
static bool named(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static const char *const top_names[] = {
	"runtime.goexit", "runtime.mstart", "runtime.rt0_go", NULL
};
static const char *const spwrite_names[] = {
	"runtime.systemstack", "runtime.mcall", "runtime.morestack",
	"runtime.gogo", "runtime.asmcgocall", NULL
};

/* Calls a signal handler injects: the pc they "return" to is the
 * interrupted instruction itself, not the one after a CALL. */
static const char *const injected_names[] = {
	"runtime.sigpanic", "runtime.asyncPreempt", NULL
};

static int frame_kind(uint8_t flag, const char *name)
{
	if ((flag & NSP_GOPCLN_FLAG_TOPFRAME) || named(name, top_names))
		return NSP_GOPCLN_STOP_TOP;
	if ((flag & NSP_GOPCLN_FLAG_SPWRITE) || named(name, spwrite_names))
		return NSP_GOPCLN_STOP_SPWRITE;
	return 0;
}

/* Names frame fr and gives its size; 0 to go on, else why to stop
 * after it. */
static int describe(const struct nsp_gopcln *t, struct nsp_gopcln_frame *fr)
{
	struct fn f;
	uint64_t lpc;
	int kind, r;

	if (link_pc(t, fr->sym_pc, &lpc) || find_func(t, lpc, &f) ||
	    !(fr->func = func_name(t, f.nameoff))) {
		fr->func = NULL;
		return NSP_GOPCLN_STOP_UNKNOWN;
	}
	fr->entry = (uintptr_t)(f.entry + t->bias);
	r = pcvalue(t, &f, f.pcsp, lpc, &fr->spdelta);
	if ((kind = frame_kind(f.flag, fr->func)))
		return kind;
	return r || fr->spdelta < 0 ? NSP_GOPCLN_STOP_BADSP : 0;
}

int nsp_gopcln_unwind(const struct nsp_gopcln *t, uintptr_t pc, uintptr_t sp,
		      nsp_gopcln_read_fn read, void *ctx,
		      struct nsp_gopcln_frame *frames, size_t max, size_t *n,
		      int *stop)
{
	if (!t || !t->tab || !read || !n || !stop || (!frames && max))
		return -EINVAL;
	if (t->quantum != 1)
		return -EOPNOTSUPP; /* link-register machines need the LR */
	*n = 0;
	*stop = NSP_GOPCLN_STOP_DEPTH;
	for (bool exact = true; *n < max;) {
		struct nsp_gopcln_frame *fr = &frames[(*n)++];
		uint8_t word[8];
		uint64_t ret, fp;
		int why;

		memset(fr, 0, sizeof(*fr));
		fr->pc = pc;
		fr->sp = sp;
		fr->sym_pc = exact || pc == 0 ? pc : pc - 1;
		why = describe(t, fr);
		exact = fr->func && named(fr->func, injected_names);
		if (why) {
			*stop = why;
			return 0;
		}
		fp = (uint64_t)sp + (uint64_t)fr->spdelta + t->ptrsize;
		if (fp <= sp || (uintptr_t)fp != fp) {
			*stop = NSP_GOPCLN_STOP_BADSP;
			return 0;
		}
		if (read(ctx, (uintptr_t)(fp - t->ptrsize), word, t->ptrsize)) {
			*stop = NSP_GOPCLN_STOP_READ;
			return 0;
		}
		ret = get(word, t->ptrsize, t->big_endian);
		pc = (uintptr_t)ret;
		sp = (uintptr_t)fp;
	}
	return 0;
}

const char *nsp_gopcln_stop_name(int stop)
{
	switch (stop) {
	case NSP_GOPCLN_STOP_TOP: return "top";
	case NSP_GOPCLN_STOP_DEPTH: return "depth";
	case NSP_GOPCLN_STOP_UNKNOWN: return "unknown-pc";
	case NSP_GOPCLN_STOP_SPWRITE: return "spwrite";
	case NSP_GOPCLN_STOP_BADSP: return "bad-sp";
	case NSP_GOPCLN_STOP_READ: return "read-failed";
	default: return "?";
	}
}
