/* Unit tests of gopcln on ELF images built here, one per table layout.
 *
 * Only Go 1.19 is installed, so the 1.16-1.17 and 1.20+ layouts cannot
 * come from a real toolchain: these images are written from the
 * layouts as the Go runtime and linker sources describe them (header
 * words, functab, _func fields, funcdata encoding, inline-tree
 * entries, moduledata up to gofunc).  The same program and the same
 * expectations are used for every layout, so a layout difference
 * read wrong shows as a failed expectation.
 *
 * The program: text at 0x401000 with four functions
 *   main.outer     +0x000  0x100  frame 24; main.mid inlined at
 *                                 +0x30, with main.leaf inlined in it
 *                                 at +0x20
 *   main.inner     +0x100  0x080  frame 8, in a second compilation unit
 *   runtime.goexit +0x180  0x010  top of every goroutine stack
 *   runtime.asm0   +0x190  0x020  an assembly function with a $0 frame
 * Prints "ok - ..." / "not ok - ..." and a closing count line. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/gopcln.h"

static int passed, failed;

#define CHECK(cond, ...)                                          \
	do {                                                      \
		if (cond) {                                       \
			passed++;                                 \
		} else {                                          \
			failed++;                                 \
			printf("# FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                      \
			printf("\n");                             \
		}                                                 \
	} while (0)

static void case_end(const char *label, int failed_before)
{
	printf("%s - %s\n", failed == failed_before ? "ok" : "not ok", label);
}

/* ---- an image under construction */

#define BASE 0x400000u
#define TEXT (BASE + 0x1000u)
#define RODATA (BASE + 0x2000u)
#define GOFUNC RODATA              /* go:func.* */
#define INLTREE_OFF 0x10u          /* outer's tree, from go:func.* */
#define IMG_MAX 0x8000u

struct img {
	uint8_t b[IMG_MAX];
	size_t len;
	bool be, elf64;
	unsigned ps, quantum;
	int version;
};

static void put(struct img *m, size_t at, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		m->b[at + (m->be ? n - 1 - i : i)] = (uint8_t)(v >> (8 * i));
	if (at + n > m->len)
		m->len = at + n;
}

static void put_word(struct img *m, size_t at, uint64_t v)
{
	put(m, at, v, m->ps);
}

static size_t put_str(struct img *m, size_t at, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(m->b + at, s, n);
	if (at + n > m->len)
		m->len = at + n;
	return at + n;
}

static size_t align(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static size_t uvarint(struct img *m, size_t at, uint32_t v)
{
	while (v >= 0x80) {
		m->b[at++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	m->b[at++] = (uint8_t)v;
	return at;
}

/* A pc-value table: vals[i] holds from pcs[i] up to pcs[i + 1].  A
 * zero value delta after the first pair ends a table, so runs of one
 * value are written as one pair, as the linker does. */
static size_t pcvalue(struct img *m, size_t at, const int32_t *vals,
		      const uint32_t *pcs, unsigned n)
{
	int32_t prev = -1;

	for (unsigned i = 0, j; i < n; i = j) {
		int32_t d = vals[i] - prev;

		for (j = i + 1; j < n && vals[j] == vals[i]; j++)
			;
		at = uvarint(m, at, ((uint32_t)d << 1) ^ (uint32_t)(d >> 31));
		at = uvarint(m, at, (pcs[j] - pcs[i]) / m->quantum);
		prev = vals[i];
	}
	m->b[at++] = 0;
	if (at > m->len)
		m->len = at;
	return at;
}

/* ---- the program's tables */

enum { F_OUTER, F_INNER, F_GOEXIT, F_ASM0, NFUNC };

static const char *fnames[NFUNC] = {
	"main.outer", "main.inner", "runtime.goexit", "runtime.asm0"
};
static const uint32_t fentry[NFUNC + 1] = { 0x000, 0x100, 0x180, 0x190, 0x1b0 };
static const char *const files[] = { "/src/main.go", "/src/leaf.go", "/src/mid.go",
				     "/src/inner.go" };

struct layout {
	size_t tab;      /* file offset of the pclntab header */
	uint64_t tab_va; /* and its address */
	uint64_t off[5]; /* funcname, cutab, filetab, pctab, functab */
	uint32_t nameoff[NFUNC + 2];
	uint32_t pcsp[NFUNC], pcfile[NFUNC], pcln[NFUNC], pcinl;
	uint32_t funcoff[NFUNC];
	size_t end;
};

static void write_names(struct img *m, struct layout *l, size_t *at)
{
	static const char *const inl_names[] = { "main.mid", "main.leaf" };

	l->off[0] = *at - l->tab;
	put_str(m, (*at)++, ""); /* offset 0 is no name */
	for (unsigned i = 0; i < NFUNC; i++) {
		l->nameoff[i] = (uint32_t)(*at - l->tab - l->off[0]);
		*at = put_str(m, *at, fnames[i]);
	}
	for (unsigned i = 0; i < 2; i++) {
		l->nameoff[NFUNC + i] = (uint32_t)(*at - l->tab - l->off[0]);
		*at = put_str(m, *at, inl_names[i]);
	}
}

/* cutab: CU 0 = main.go, leaf.go, mid.go; CU 1 (from index 3) =
 * inner.go; filetab holds the names. */
static void write_files(struct img *m, struct layout *l, size_t *at)
{
	uint32_t foff[4];
	size_t ft;

	*at = align(*at, 4);
	l->off[1] = *at - l->tab;
	ft = *at + 4 * 4;
	l->off[2] = ft - l->tab;
	for (unsigned i = 0; i < 4; i++) {
		foff[i] = (uint32_t)(ft - (l->tab + l->off[2]));
		ft = put_str(m, ft, files[i]);
	}
	for (unsigned i = 0; i < 4; i++)
		put(m, *at + 4 * i, foff[i], 4);
	*at = ft;
}

static void write_pctab(struct img *m, struct layout *l, size_t *at)
{
	static const uint32_t outer_sp_pc[] = { 0, 4, 0xf0, 0x100 };
	static const int32_t outer_sp[] = { 0, 24, 0 };
	static const uint32_t outer_pos_pc[] = { 0, 0x10, 0x20, 0x30, 0x40, 0x100 };
	static const int32_t outer_file[] = { 0, 0, 1, 2, 0 };
	static const int32_t outer_line[] = { 10, 11, 31, 21, 12 };
	static const int32_t outer_inl[] = { -1, -1, 1, 0, -1 };
	static const uint32_t inner_sp_pc[] = { 0, 4, 0x7c, 0x80 };
	static const int32_t inner_sp[] = { 0, 8, 0 };
	static const uint32_t one_pc[NFUNC][2] = { { 0, 0x100 }, { 0, 0x80 }, { 0, 0x10 },
						   { 0, 0x20 } };
	static const int32_t zero[] = { 0 }, lines[NFUNC] = { 0, 40, 1590, 30 };

	l->off[3] = *at - l->tab;
	m->b[(*at)++] = 0; /* offset 0 is no table */
#define TABLE(field, ...) (l->field = (uint32_t)(*at - l->tab - l->off[3]), \
			   *at = pcvalue(m, *at, __VA_ARGS__))
	TABLE(pcsp[F_OUTER], outer_sp, outer_sp_pc, 3);
	TABLE(pcfile[F_OUTER], outer_file, outer_pos_pc, 5);
	TABLE(pcln[F_OUTER], outer_line, outer_pos_pc, 5);
	TABLE(pcinl, outer_inl, outer_pos_pc, 5);
	TABLE(pcsp[F_INNER], inner_sp, inner_sp_pc, 3);
	for (unsigned f = F_INNER; f < NFUNC; f++) {
		if (f != F_INNER)
			TABLE(pcsp[f], zero, one_pc[f], 1);
		TABLE(pcfile[f], zero, one_pc[f], 1);
		TABLE(pcln[f], &lines[f], one_pc[f], 1);
	}
#undef TABLE
}

/* The _func record of f at file offset at; returns the end. */
static size_t write_func(struct img *m, struct layout *l, unsigned f, size_t at)
{
	bool wide = m->version < 118, outer = f == F_OUTER;
	size_t p = at, fd;
	/* 44 + 4 * 4 bytes put outer's 1.16 funcdata after 4 bytes of
	 * padding; 44 + 4 puts inner's right after its pcdata */
	unsigned npcdata = outer ? 4 : f == F_INNER ? 1 : 0;
	unsigned nfuncdata = outer ? 4 : f == F_INNER ? 1 : 0;

	if (wide) {
		put_word(m, p, TEXT + fentry[f]);
		p += m->ps;
	} else {
		put(m, p, fentry[f], 4);
		p += 4;
	}
	put(m, p, l->nameoff[f], 4);
	put(m, p + 4, 0, 4);                   /* args */
	put(m, p + 8, 0, 4);                   /* deferreturn */
	put(m, p + 12, l->pcsp[f], 4);
	put(m, p + 16, l->pcfile[f], 4);
	put(m, p + 20, l->pcln[f], 4);
	put(m, p + 24, npcdata, 4);
	put(m, p + 28, f == F_INNER ? 3 : 0, 4); /* cuOffset */
	p += 32;
	if (m->version >= 120) {
		put(m, p, 1, 4); /* startLine */
		p += 4;
	}
	m->b[p] = f == F_GOEXIT ? 7 : 0; /* funcID */
	/* 1.16 has a pad byte here; 1.17+ the flags */
	m->b[p + 1] = f == F_GOEXIT && m->version >= 118 ? NSP_GOPCLN_FLAG_TOPFRAME : 0;
	m->b[p + 3] = (uint8_t)nfuncdata;
	p += 4;
	for (unsigned i = 0; i < npcdata; i++)
		put(m, p + 4 * i, i == 2 ? l->pcinl : 0, 4);
	p += 4 * npcdata;
	if (!nfuncdata)
		return p;
	if (wide) {
		/* pointers, aligned in memory: the record is at an aligned
		 * address, so aligning the offset from it is the same */
		fd = align(p - at, m->ps) + at;
		for (unsigned i = 0; i < nfuncdata; i++)
			put_word(m, fd + m->ps * i, i == 3 ? GOFUNC + INLTREE_OFF : 0);
		return fd + m->ps * nfuncdata;
	}
	for (unsigned i = 0; i < nfuncdata; i++)
		put(m, p + 4 * i, i == 3 ? INLTREE_OFF : 0xffffffffu, 4);
	return p + 4 * nfuncdata;
}

static void write_functab(struct img *m, struct layout *l, size_t *at)
{
	unsigned fs = m->version >= 118 ? 4 : m->ps;
	size_t ft, p;

	*at = align(*at, 8);
	ft = *at;
	l->off[4] = ft - l->tab;
	p = ft + (2 * NFUNC + 2) * fs; /* one spare field after the end pc */
	for (unsigned f = 0; f < NFUNC; f++) {
		p = align(p, 8);
		l->funcoff[f] = (uint32_t)(p - ft);
		p = write_func(m, l, f, p);
	}
	for (unsigned f = 0; f <= NFUNC; f++) {
		uint64_t e = m->version >= 118 ? fentry[f] : TEXT + fentry[f];

		put(m, ft + 2 * f * fs, e, fs);
		if (f < NFUNC)
			put(m, ft + (2 * f + 1) * fs, l->funcoff[f], fs);
	}
	l->end = p;
}

static void write_header(struct img *m, struct layout *l, uint32_t magic,
			 uint64_t text_start)
{
	size_t w = l->tab + 8;

	put(m, l->tab, magic, 4);
	m->b[l->tab + 4] = 0;
	m->b[l->tab + 5] = 0;
	m->b[l->tab + 6] = (uint8_t)m->quantum;
	m->b[l->tab + 7] = (uint8_t)m->ps;
	put_word(m, w, NFUNC);
	put_word(m, w + m->ps, 4);
	w += 2 * m->ps;
	if (m->version >= 118) {
		put_word(m, w, text_start);
		w += m->ps;
	}
	for (unsigned i = 0; i < 5; i++)
		put_word(m, w + i * m->ps, l->off[i]);
}

/* The pclntab at file offset tab; returns its end. */
static size_t write_pclntab(struct img *m, struct layout *l, size_t tab,
			    uint64_t text_start)
{
	static const uint32_t magic[] = { [0] = 0xfffffffau, [1] = 0xfffffff0u,
					  [2] = 0xfffffff1u };
	size_t at;

	memset(l, 0, sizeof(*l));
	l->tab = tab;
	l->tab_va = BASE + tab;
	at = tab + 8 + 8 * m->ps;
	write_names(m, l, &at);
	write_files(m, l, &at);
	write_pctab(m, l, &at);
	write_functab(m, l, &at);
	write_header(m, l, magic[m->version == 116 ? 0 : m->version == 118 ? 1 : 2],
		     text_start);
	return l->end;
}

/* outer's inline tree: [0] main.mid called at outer+0x18 (main.go:11),
 * [1] main.leaf called at outer+0x38 (mid.go:21, inside [0]). */
static void write_inltree(struct img *m, struct layout *l)
{
	size_t at = GOFUNC + INLTREE_OFF - BASE;
	const uint32_t name[2] = { l->nameoff[NFUNC], l->nameoff[NFUNC + 1] };
	const int32_t parent_pc[2] = { 0x18, 0x38 }, parent[2] = { -1, 0 };
	const int32_t file[2] = { 0, 2 }, line[2] = { 11, 21 };

	for (unsigned i = 0; i < 2; i++) {
		if (m->version >= 120) {
			size_t e = at + 16 * i;

			m->b[e] = 0;                      /* funcID */
			put(m, e + 4, name[i], 4);
			put(m, e + 8, (uint32_t)parent_pc[i], 4);
			put(m, e + 12, 20 + i, 4);        /* startLine */
		} else {
			size_t e = at + 20 * i;

			put(m, e, (uint16_t)parent[i], 2);
			m->b[e + 2] = 0;                  /* funcID */
			put(m, e + 4, (uint32_t)file[i], 4);
			put(m, e + 8, (uint32_t)line[i], 4);
			put(m, e + 12, name[i], 4);
			put(m, e + 16, (uint32_t)parent_pc[i], 4);
		}
	}
}

/* moduledata: the header pointer, slices over the regions, minpc,
 * text, and gofunc at the release's word (a decoy in the other). */
static void write_moduledata(struct img *m, struct layout *l, size_t at,
			     bool zero_ptrs)
{
	unsigned ps = m->ps, go = m->version >= 120 ? 40 : 38, decoy = go == 40 ? 38 : 40;
	uint64_t words[48] = { 0 };

	words[0] = l->tab_va;
	for (unsigned i = 0; i < 5; i++) {
		words[1 + 3 * i] = l->tab_va + l->off[i];
		words[2 + 3 * i] = words[3 + 3 * i] = 16;
	}
	words[16] = l->tab_va + l->off[4];
	words[20] = TEXT;                 /* minpc */
	words[21] = TEXT + fentry[NFUNC]; /* maxpc */
	words[22] = TEXT;                 /* text */
	words[go] = GOFUNC;
	words[decoy] = GOFUNC + 0x100;
	for (unsigned i = 0; i < 48; i++)
		put_word(m, at + i * ps, zero_ptrs ? 0 : words[i]);
}

/* ---- the ELF around it */

struct sect {
	const char *name;
	uint32_t type;
	size_t off, size;
	uint64_t addr;
	uint32_t entsize;
};

static void write_elf(struct img *m, const struct sect *s, unsigned ns, bool sections)
{
	unsigned w = m->elf64 ? 8 : 4, ehsize = m->elf64 ? 64 : 52;
	unsigned phsz = m->elf64 ? 56 : 32, shsz = m->elf64 ? 64 : 40;
	size_t strtab, shoff, at;
	uint32_t name_at[16];

	/* .shstrtab after everything */
	strtab = align(m->len, 8);
	at = strtab;
	m->b[at++] = 0;
	for (unsigned i = 0; i < ns; i++) {
		name_at[i] = (uint32_t)(at - strtab);
		at = put_str(m, at, s[i].name);
	}
	name_at[ns] = (uint32_t)(at - strtab);
	at = put_str(m, at, ".shstrtab");
	shoff = align(at, 8);

	memcpy(m->b, "\177ELF", 4);
	m->b[4] = m->elf64 ? 2 : 1;
	m->b[5] = m->be ? 2 : 1;
	m->b[6] = 1;
	put(m, 16, 2, 2);                                   /* ET_EXEC */
	put(m, 18, m->quantum == 1 ? 62 : 20, 2);           /* x86-64 or ppc */
	put(m, 20, 1, 4);
	put(m, 24, TEXT, w);                                /* e_entry */
	put(m, 24 + w, ehsize, w);                          /* e_phoff */
	put(m, 24 + 2 * w, sections ? shoff : 0, w);        /* e_shoff */
	put(m, 28 + 3 * w, ehsize, 2);
	put(m, 30 + 3 * w, phsz, 2);
	put(m, 32 + 3 * w, 2, 2);                           /* e_phnum */
	put(m, 34 + 3 * w, shsz, 2);
	put(m, 36 + 3 * w, sections ? ns + 2 : 0, 2);
	put(m, 38 + 3 * w, sections ? ns + 1 : 0, 2);

	/* text R+X, everything else R+W */
	for (unsigned i = 0; i < 2; i++) {
		size_t ph = ehsize + i * phsz, off = i ? 0x2000 : 0x1000;
		size_t size = i ? strtab - 0x2000 : 0x1000;
		uint32_t flags = i ? 6 : 5;

		put(m, ph, 1, 4);
		if (m->elf64) {
			put(m, ph + 4, flags, 4);
			put(m, ph + 8, off, 8);
			put(m, ph + 16, BASE + off, 8);
			put(m, ph + 24, BASE + off, 8);
			put(m, ph + 32, size, 8);
			put(m, ph + 40, size, 8);
			put(m, ph + 48, 0x1000, 8);
		} else {
			put(m, ph + 4, off, 4);
			put(m, ph + 8, BASE + off, 4);
			put(m, ph + 12, BASE + off, 4);
			put(m, ph + 16, size, 4);
			put(m, ph + 20, size, 4);
			put(m, ph + 24, flags, 4);
			put(m, ph + 28, 0x1000, 4);
		}
	}
	if (!sections) {
		m->len = strtab;
		return;
	}
	memset(m->b + shoff, 0, shsz); /* section 0 */
	for (unsigned i = 0; i <= ns; i++) {
		size_t sh = shoff + (i + 1) * shsz;
		struct sect strs = { ".shstrtab", 3, strtab, at - strtab, 0, 0 };
		const struct sect *x = i < ns ? &s[i] : &strs;

		put(m, sh, name_at[i], 4);
		put(m, sh + 4, x->type, 4);
		put(m, sh + 8, x->addr ? 2 : 0, w);          /* SHF_ALLOC */
		put(m, sh + 8 + w, x->addr, w);
		put(m, sh + 8 + 2 * w, x->off, w);
		put(m, sh + 8 + 3 * w, x->size, w);
		put(m, sh + 16 + 5 * w, x->entsize, w);
	}
	m->len = shoff + (ns + 2) * shsz;
}

/* ---- images */

enum shape {
	PLAIN,      /* .gopclntab */
	RELRO,      /* inside .data.rel.ro, after other data */
	NOSECT,     /* no section headers */
	LLD_PIE     /* relocated words left 0, values in .rela.dyn */
};

struct built {
	struct img m;
	struct layout l;
};

static void add_rela(struct img *m, size_t at, unsigned i, uint64_t off, uint64_t addend)
{
	put(m, at + 24 * i, off, 8);
	put(m, at + 24 * i + 8, 8, 8); /* R_X86_64_RELATIVE */
	put(m, at + 24 * i + 16, addend, 8);
}

static void build(struct built *bt, int version, bool be, unsigned ps, enum shape shape)
{
	struct img *m = &bt->m;
	struct layout *l = &bt->l;
	struct sect s[6];
	unsigned ns = 0;
	size_t tab = 0x3000, end, md;

	memset(bt, 0, sizeof(*bt));
	m->version = version;
	m->be = be;
	m->ps = ps;
	m->elf64 = ps == 8;
	m->quantum = be ? 4 : 1;
	m->len = 0x3000;
	memset(m->b + 0x1000, 0xcc, fentry[NFUNC]); /* int3: there is no code */
	s[ns++] = (struct sect){ ".text", 1, 0x1000, fentry[NFUNC], TEXT, 0 };
	s[ns++] = (struct sect){ ".rodata", 1, 0x2000, 0x100, RODATA, 0 };
	if (shape == RELRO) {
		memset(m->b + tab, 0x5a, 0x40); /* unrelated data first */
		tab += 0x40;
	}
	end = write_pclntab(m, l, tab, shape == LLD_PIE ? 0 : TEXT);
	write_inltree(m, l);
	s[ns++] = (struct sect){ shape == RELRO ? ".data.rel.ro" : ".gopclntab", 1,
				 0x3000, end - 0x3000, BASE + 0x3000, 0 };
	md = align(end, 64);
	write_moduledata(m, l, md, shape == LLD_PIE);
	s[ns++] = (struct sect){ ".noptrdata", 1, md, 48 * ps, BASE + md, 0 };
	if (shape == LLD_PIE) {
		size_t r = align(m->len, 8);
		unsigned n = 0;

		/* header textStart and every moduledata word */
		add_rela(m, r, n++, l->tab_va + 8 + 2 * ps, TEXT);
		for (unsigned i = 0; i < 48; i++) {
			uint64_t v = 0;
			struct img tmp;

			/* the value the word would have held */
			tmp.be = be;
			tmp.ps = ps;
			tmp.version = version;
			tmp.len = 0;
			write_moduledata(&tmp, l, 0, false);
			for (unsigned k = 0; k < ps; k++)
				v |= (uint64_t)tmp.b[i * ps + k] << (8 * k);
			if (v)
				add_rela(m, r, n++, BASE + md + i * ps, v);
		}
		s[ns++] = (struct sect){ ".rela.dyn", 4, r, 24 * n, BASE + r, 24 };
	}
	write_elf(m, s, ns, shape != NOSECT);
}

/* ---- expectations */

struct want_loc {
	const char *func, *file;
	int line;
};

static bool loc_is(const struct nsp_gopcln_loc *l, const struct want_loc *w)
{
	return l->func && strcmp(l->func, w->func) == 0 &&
	       ((!l->file && !w->file) || (l->file && w->file && strcmp(l->file, w->file) == 0)) &&
	       l->line == w->line;
}

static void expect_sym(const char *label, const struct nsp_gopcln *t, uintptr_t bias,
		       uint32_t off, int spdelta, const struct want_loc *fn,
		       const struct want_loc *inl, unsigned ninl)
{
	struct nsp_gopcln_sym s;
	struct nsp_gopcln_loc got[4];
	int r = nsp_gopcln_lookup(t, bias + TEXT + off, &s, got, 4);

	CHECK(r == 0, "%s +%#x: lookup %d", label, off, r);
	if (r)
		return;
	CHECK(loc_is(&s.fn, fn), "%s +%#x: %s %s:%d, want %s %s:%d", label, off, s.fn.func,
	      s.fn.file ? s.fn.file : "-", s.fn.line, fn->func, fn->file, fn->line);
	CHECK(s.spdelta == spdelta, "%s +%#x: spdelta %d, want %d", label, off, s.spdelta, spdelta);
	CHECK(s.ninl == ninl, "%s +%#x: %u inlined, want %u", label, off, s.ninl, ninl);
	for (unsigned i = 0; i < ninl && i < s.ninl; i++)
		CHECK(loc_is(&got[i], &inl[i]), "%s +%#x: inlined[%u] %s %s:%d, want %s %s:%d",
		      label, off, i, got[i].func, got[i].file ? got[i].file : "-", got[i].line,
		      inl[i].func, inl[i].file, inl[i].line);
}

static void expect_lookups(const char *label, const struct nsp_gopcln *t, uintptr_t bias)
{
	static const struct want_loc outer10 = { "main.outer", "/src/main.go", 10 },
				     outer11 = { "main.outer", "/src/main.go", 11 },
				     outer12 = { "main.outer", "/src/main.go", 12 },
				     inner = { "main.inner", "/src/inner.go", 40 },
				     asm0 = { "runtime.asm0", "/src/main.go", 30 };
	static const struct want_loc both[] = { { "main.leaf", "/src/leaf.go", 31 },
						{ "main.mid", "/src/mid.go", 21 } };
	struct nsp_gopcln_sym s;
	struct nsp_gopcln_loc one[1];

	expect_sym(label, t, bias, 0x002, 0, &outer10, NULL, 0);
	expect_sym(label, t, bias, 0x024, 24, &outer11, both, 2);
	expect_sym(label, t, bias, 0x034, 24, &outer11, &both[1], 1);
	expect_sym(label, t, bias, 0x044, 24, &outer12, NULL, 0);
	expect_sym(label, t, bias, 0x0f4, 0, &outer12, NULL, 0);
	expect_sym(label, t, bias, 0x120, 8, &inner, NULL, 0);
	expect_sym(label, t, bias, 0x19c, 0, &asm0, NULL, 0);
	CHECK(nsp_gopcln_lookup(t, bias + TEXT + fentry[NFUNC], &s, NULL, 0) == -ENOENT,
	      "%s: pc past the last function", label);
	CHECK(nsp_gopcln_lookup(t, bias + TEXT - 1, &s, NULL, 0) == -ENOENT,
	      "%s: pc before the first function", label);
	/* a short array: the innermost call, and word of the rest */
	CHECK(nsp_gopcln_lookup(t, bias + TEXT + 0x24, &s, one, 1) == 0 && s.ninl == 1 &&
	      s.inl_more == 1 && strcmp(one[0].func, "main.leaf") == 0,
	      "%s: inline array of 1", label);
	CHECK(nsp_gopcln_lookup(t, bias + TEXT + 0x185, &s, NULL, 0) == 0 &&
	      strcmp(s.fn.func, "runtime.goexit") == 0 && s.entry == bias + TEXT + 0x180 &&
	      s.end == bias + TEXT + 0x190, "%s: goexit entry/end", label);
}

/* ---- unwinding over a fake stack */

#define STACK 0x7ff000u

struct stack {
	uint8_t b[256];
	bool be;
	unsigned ps;
};

static int read_stack(void *ctx, uintptr_t addr, void *buf, size_t n)
{
	struct stack *st = ctx;

	if (addr < STACK || addr - STACK > sizeof(st->b) || n > sizeof(st->b) - (addr - STACK))
		return -EFAULT;
	memcpy(buf, st->b + (addr - STACK), n);
	return 0;
}

static void stack_word(struct stack *st, size_t off, uint64_t v)
{
	for (unsigned i = 0; i < st->ps; i++)
		st->b[off + (st->be ? st->ps - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

/* asm0 ($0 frame) called by inner (frame 8) called from the inlined
 * code of outer (frame 24), started by goexit:
 *   sp              return into inner+0x20
 *   sp+ps+8         return into outer+0x24 (past inner's 8-byte frame)
 *   sp+2ps+8+24     return into goexit+1 (past outer's 24-byte frame) */
static void expect_unwind(const char *label, const struct nsp_gopcln *t, uintptr_t bias)
{
	static const char *const chain[] = { "runtime.asm0", "main.inner", "main.outer",
					     "runtime.goexit" };
	struct stack st = { .be = t->big_endian, .ps = t->ptrsize };
	struct nsp_gopcln_frame fr[8];
	unsigned ps = t->ptrsize;
	size_t n;
	int stop, r;

	stack_word(&st, 0, bias + TEXT + 0x120);
	stack_word(&st, ps + 8, bias + TEXT + 0x024);
	stack_word(&st, 2 * ps + 8 + 24, bias + TEXT + 0x181);
	r = nsp_gopcln_unwind(t, bias + TEXT + 0x19c, STACK, read_stack, &st, fr, 8, &n, &stop);
	if (t->quantum != 1) {
		CHECK(r == -EOPNOTSUPP, "%s: unwinding without x86 call frames: %d", label, r);
		return;
	}
	CHECK(r == 0 && n == 4 && stop == NSP_GOPCLN_STOP_TOP,
	      "%s: unwind r=%d n=%zu stop=%s", label, r, n, nsp_gopcln_stop_name(stop));
	for (size_t i = 0; i < n && i < 4; i++)
		CHECK(fr[i].func && strcmp(fr[i].func, chain[i]) == 0, "%s: frame %zu is %s, want %s",
		      label, i, fr[i].func ? fr[i].func : "?", chain[i]);
	if (n >= 3) {
		struct nsp_gopcln_sym s;
		struct nsp_gopcln_loc inl[4];

		CHECK(fr[1].sp == STACK + ps && fr[2].sp == STACK + 2 * ps + 8 &&
		      fr[2].sym_pc == fr[2].pc - 1, "%s: frame sps", label);
		CHECK(nsp_gopcln_lookup(t, fr[2].sym_pc, &s, inl, 4) == 0 && s.ninl == 2 &&
		      strcmp(inl[0].func, "main.leaf") == 0, "%s: frame 2 inlined calls", label);
	}
	/* a short array */
	r = nsp_gopcln_unwind(t, bias + TEXT + 0x19c, STACK, read_stack, &st, fr, 2, &n, &stop);
	CHECK(r == 0 && n == 2 && stop == NSP_GOPCLN_STOP_DEPTH, "%s: depth stop", label);
	/* a return address into nothing */
	stack_word(&st, 0, 0x1234);
	r = nsp_gopcln_unwind(t, bias + TEXT + 0x19c, STACK, read_stack, &st, fr, 8, &n, &stop);
	CHECK(r == 0 && n == 2 && stop == NSP_GOPCLN_STOP_UNKNOWN && !fr[1].func,
	      "%s: unknown pc stop (n=%zu %s)", label, n, nsp_gopcln_stop_name(stop));
	/* a stack that cannot be read */
	r = nsp_gopcln_unwind(t, bias + TEXT + 0x19c, STACK + 0x1000, read_stack, &st, fr, 8,
			      &n, &stop);
	CHECK(r == 0 && n == 1 && stop == NSP_GOPCLN_STOP_READ, "%s: read stop", label);
}

/* ---- cases */

static const char *shape_name(enum shape s)
{
	static const char *const n[] = { "section", "relro", "nosect", "lld-pie" };
	return n[s];
}

static void layout_case(int version, bool be, unsigned ps, enum shape shape, uintptr_t bias)
{
	static struct built bt;
	struct nsp_gopcln t;
	char label[96];
	int r, before = failed;

	snprintf(label, sizeof(label), "go%d %s%u %s bias=%#lx", version, be ? "be" : "le", ps * 8,
		 shape_name(shape), (unsigned long)bias);
	build(&bt, version, be, ps, shape);
	r = nsp_gopcln_open(&t, bt.m.b, bt.m.len, bias);
	CHECK(r == 0, "%s: open %d", label, r);
	if (r)
		return;
	CHECK(t.version == version && t.nfunc == NFUNC && t.tab_vaddr == bt.l.tab_va,
	      "%s: version %d nfunc %lu", label, t.version, (unsigned long)t.nfunc);
	CHECK(t.found_by == (shape == RELRO ? NSP_GOPCLN_RELRO_SCAN :
			     shape == NOSECT ? NSP_GOPCLN_SEGMENT_SCAN : NSP_GOPCLN_SECTION),
	      "%s: found by %d", label, t.found_by);
	if (version >= 118)
		CHECK(t.gofunc == GOFUNC && t.text_start == TEXT, "%s: gofunc %#lx text %#lx",
		      label, (unsigned long)t.gofunc, (unsigned long)t.text_start);
	expect_lookups(label, &t, bias);
	expect_unwind(label, &t, bias);
	case_end(label, before);
}

/* A frame under runtime.sigpanic is named at its own pc: the signal
 * handler made the call, from the faulting instruction. */
static void injected_call(void)
{
	static struct built bt;
	struct nsp_gopcln t;
	struct nsp_gopcln_frame fr[8];
	struct stack st = { .ps = 8 };
	int before = failed, stop;
	size_t n;

	fnames[F_INNER] = "runtime.sigpanic";
	build(&bt, 120, false, 8, PLAIN);
	fnames[F_INNER] = "main.inner";
	stack_word(&st, 0, TEXT + 0x120);
	stack_word(&st, 8 + 8, TEXT + 0x024);
	stack_word(&st, 2 * 8 + 8 + 24, TEXT + 0x181);
	CHECK(nsp_gopcln_open(&t, bt.m.b, bt.m.len, 0) == 0 &&
	      nsp_gopcln_unwind(&t, TEXT + 0x19c, STACK, read_stack, &st, fr, 8, &n, &stop) == 0 &&
	      n == 4 && strcmp(fr[1].func, "runtime.sigpanic") == 0, "unwind through sigpanic");
	CHECK(n >= 3 && fr[1].sym_pc == fr[1].pc - 1 && fr[2].sym_pc == fr[2].pc &&
	      (n < 4 || fr[3].sym_pc == fr[3].pc - 1), "pcs named under sigpanic");
	case_end("a frame interrupted by a signal is named at its pc", before);
}

static void refusals(void)
{
	int before = failed;
	static struct built bt;
	struct nsp_gopcln t;
	struct nsp_gopcln_sym s;
	uint8_t junk[128] = { 0 };

	CHECK(nsp_gopcln_open(&t, junk, sizeof(junk), 0) == -ENOEXEC, "not an ELF");
	CHECK(nsp_gopcln_open(&t, NULL, 0, 0) == -ENOEXEC, "no bytes");
	CHECK(nsp_gopcln_open(NULL, junk, sizeof(junk), 0) == -EINVAL, "no table");
	CHECK(nsp_gopcln_lookup(&t, 1, &s, NULL, 0) == -EINVAL, "lookup on a failed open");

	build(&bt, 118, false, 8, PLAIN);
	put(&bt.m, 0x3000, 0xfffffffbu, 4);
	CHECK(nsp_gopcln_open(&t, bt.m.b, bt.m.len, 0) == -EPROTONOSUPPORT, "go1.2 layout");
	put(&bt.m, 0x3000, 0x12345678u, 4);
	CHECK(nsp_gopcln_open(&t, bt.m.b, bt.m.len, 0) == -EBADMSG, ".gopclntab of junk");

	build(&bt, 118, false, 8, RELRO);
	memset(bt.m.b + 0x3040, 0, 8);
	CHECK(nsp_gopcln_open(&t, bt.m.b, bt.m.len, 0) == -ENOENT, "no table anywhere");
	case_end("refusals: not ELF, no table, Go 1.2 layout, junk", before);
}

static void load_bias(void)
{
	int before = failed;
	static struct built bt;
	uintptr_t bias = 0;

	build(&bt, 118, false, 8, PLAIN);
	/* a PIE's text segment mapped at 0x7f0000001000 from offset 0x1000 */
	CHECK(nsp_gopcln_load_bias(bt.m.b, bt.m.len, 0x7f0000001000u, 0x1000, &bias) == 0 &&
	      bias == 0x7f0000001000u - TEXT, "load bias %#lx", (unsigned long)bias);
	CHECK(nsp_gopcln_load_bias(bt.m.b, bt.m.len, 0x7f0000002000u, 0x2000, &bias) == 0 &&
	      bias == 0x7f0000002000u - RODATA, "load bias from the data mapping");
	case_end("load bias from a mapping", before);
}

/* Every prefix of an image, and images with one byte changed, must
 * open and answer or fail, never read outside (run under ASan). */
static void damage(void)
{
	static struct built bt;
	static uint8_t copy[IMG_MAX];
	struct nsp_gopcln t;
	struct nsp_gopcln_sym s;
	struct nsp_gopcln_loc inl[4];
	struct nsp_gopcln_frame fr[8];
	struct stack st = { .ps = 8 };
	unsigned seed = 1, opened = 0;
	size_t n;
	int stop, before = failed;
	char label[64];

	for (int v = 0; v < 3; v++) {
		build(&bt, v == 0 ? 116 : v == 1 ? 118 : 120, false, 8, PLAIN);
		for (size_t len = 0; len <= bt.m.len; len += 7) {
			memcpy(copy, bt.m.b, len);
			if (nsp_gopcln_open(&t, copy, len, 0) == 0) {
				opened++;
				for (uint32_t off = 0; off < fentry[NFUNC]; off += 5)
					nsp_gopcln_lookup(&t, TEXT + off, &s, inl, 4);
			}
		}
		for (unsigned i = 0; i < 4000; i++) {
			size_t at;

			memcpy(copy, bt.m.b, bt.m.len);
			seed = seed * 1103515245u + 12345u;
			at = 0x3000 + (seed >> 8) % (bt.m.len - 0x3000);
			copy[at] ^= (uint8_t)(1u << (seed % 8));
			if (nsp_gopcln_open(&t, copy, bt.m.len, 0))
				continue;
			for (uint32_t off = 0; off < fentry[NFUNC]; off += 3)
				nsp_gopcln_lookup(&t, TEXT + off, &s, inl, 4);
			nsp_gopcln_unwind(&t, TEXT + 0x19c, STACK, read_stack, &st, fr, 8, &n, &stop);
		}
	}
	CHECK(opened > 0, "no prefix opened");
	snprintf(label, sizeof(label), "truncated and bit-flipped images (%u prefixes opened)", opened);
	case_end(label, before);
}

/* Writes each kind of image to DIR, as fuzzing seeds. */
static int write_seeds(const char *dir)
{
	static const int versions[] = { 116, 118, 120 };
	static struct built bt;
	char path[512];

	for (unsigned v = 0; v < 3; v++)
		for (unsigned k = 0; k < 5; k++) {
			bool be = k == 4;
			enum shape shape = k == 4 ? PLAIN : (enum shape)k;
			FILE *f;

			build(&bt, versions[v], be, be ? 4 : 8, shape);
			snprintf(path, sizeof(path), "%s/go%d-%s%s", dir, versions[v],
				 shape_name(shape), be ? "-be32" : "");
			if (!(f = fopen(path, "wb")) || fwrite(bt.m.b, 1, bt.m.len, f) != bt.m.len) {
				perror(path);
				return 1;
			}
			fclose(f);
		}
	return 0;
}

int main(int argc, char **argv)
{
	static const int versions[] = { 116, 118, 120 };

	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);

	for (unsigned i = 0; i < 3; i++) {
		layout_case(versions[i], false, 8, PLAIN, 0);
		layout_case(versions[i], false, 8, PLAIN, 0x7f0000000000u);
		layout_case(versions[i], true, 4, PLAIN, 0);
		layout_case(versions[i], false, 8, RELRO, 0);
		layout_case(versions[i], false, 8, NOSECT, 0);
	}
	layout_case(118, false, 8, LLD_PIE, 0x555500000000u);
	layout_case(120, false, 8, LLD_PIE, 0);
	injected_call();
	refusals();
	load_bias();
	damage();
	printf("# unit checks: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
