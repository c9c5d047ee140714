/* Frame rules from the call frame information (.eh_frame) of the loaded
 * objects, for the stack walker in unwind.c: how to find the caller of a
 * frame stopped at one address.  Only rules the walker can follow with
 * rsp, rbp and memory are described (the CFA a fixed offset from rsp or
 * rbp, rbp and the return address saved at fixed offsets from it, or the
 * signal trampoline); anything else is NSP_RULE_OTHER and the walker hands
 * the whole stack to libunwind.  Runs only on a cache miss: it may take
 * the loader's lock (dl_iterate_phdr), never allocates. */
#include <errno.h>
#include <link.h>
#include <string.h>

#include "rt/unwind.h"

#ifndef __x86_64__
#error "the stack walker and helper threads are written for x86_64"
#endif

#define RBP 6
#define RSP 7
#define MAX_STATES 8 /* DW_CFA_remember_state nesting */

enum { R_SAME, R_UNDEF, R_OFFSET, R_OTHER };

struct reg {
	int how;
	int64_t off;
};

struct row {
	int cfa_reg; /* -1: an expression */
	int64_t cfa_off;
	struct reg rbp, ra;
};

struct cie {
	const uint8_t *insns, *end;
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	int signal;
	int z; /* FDEs carry augmentation data */
};

/* .eh_frame packs its fields without alignment: read them bytewise. */
static uint16_t u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t uleb(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	int shift = 0;

	while (*p < end) {
		uint8_t b = *(*p)++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	return v;
}

static int64_t sleb(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	int shift = 0;
	uint8_t b = 0;

	while (*p < end) {
		b = *(*p)++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/* A DW_EH_PE_* encoded pointer; datarel is relative to `data`.  Returns
 * -1 for encodings .eh_frame on x86_64 does not use. */
static int read_enc(const uint8_t **p, const uint8_t *end, uint8_t enc, uintptr_t data,
		    uintptr_t *out)
{
	const uint8_t *at = *p;
	uint64_t v;

	if (enc == 0xff)
		return -1; /* DW_EH_PE_omit */
	switch (enc & 0x0f) {
	case 0x00: v = u64(at); *p += 8; break;
	case 0x01: v = uleb(p, end); break;
	case 0x02: v = u16(at); *p += 2; break;
	case 0x03: v = u32(at); *p += 4; break;
	case 0x04: v = u64(at); *p += 8; break;
	case 0x09: v = (uint64_t)sleb(p, end); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)u16(at); *p += 2; break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)u32(at); *p += 4; break;
	case 0x0c: v = u64(at); *p += 8; break;
	default: return -1;
	}
	switch (enc & 0x70) {
	case 0x00: break;
	case 0x10: v += (uintptr_t)at; break;
	case 0x30: v += data; break;
	default: return -1;
	}
	if (enc & 0x80)
		v = u64((const uint8_t *)(uintptr_t)v); /* DW_EH_PE_indirect */
	*out = (uintptr_t)v;
	return 0;
}

/* A CIE or FDE: its content and where the next record starts. */
static const uint8_t *record(const uint8_t *p, const uint8_t **end)
{
	uint64_t len = u32(p);

	p += 4;
	if (len == 0xffffffff) {
		len = u64(p);
		p += 8;
	}
	*end = p + len;
	return len ? p : NULL;
}

static int parse_cie(const uint8_t *p, struct cie *c)
{
	const uint8_t *end, *aug;
	uint8_t version;

	p = record(p, &end);
	if (!p || u32(p) != 0)
		return -1;
	p += 4;
	version = *p++;
	aug = p;
	p += strlen((const char *)aug) + 1;
	if (aug[0] == 'e' && aug[1] == 'h')
		return -1; /* pre-1997 GCC */
	memset(c, 0, sizeof(*c));
	c->code_align = uleb(&p, end);
	c->data_align = sleb(&p, end);
	c->ra_reg = version == 1 ? *p++ : uleb(&p, end);
	if (aug[0] == 'z') {
		uint64_t n = uleb(&p, end);
		c->z = 1;
		const uint8_t *data_end = p + n;
		for (const char *a = (const char *)aug + 1; *a; a++) {
			uintptr_t skip;
			if (*a == 'R')
				c->fde_enc = *p++;
			else if (*a == 'L')
				p++;
			else if (*a == 'P') {
				uint8_t enc = *p++;
				if (read_enc(&p, data_end, enc & 0x7f, 0, &skip))
					return -1;
			} else if (*a == 'S')
				c->signal = 1;
			else
				break; /* unknown: the length lets us skip the rest */
		}
		p = data_end;
	}
	c->insns = p;
	c->end = end;
	return 0;
}

/* Runs CFA instructions, stopping before the first row past pc. */
static int execute(const struct cie *c, const uint8_t *p, const uint8_t *end, uintptr_t loc,
		   uintptr_t pc, struct row *r, const struct row *initial)
{
	struct row saved[MAX_STATES];
	int nsaved = 0;

	while (p < end) {
		uint8_t op = *p++, low = op & 0x3f;
		uint64_t reg = 0, delta = 0;
		struct reg *dst = NULL, val = {R_OTHER, 0};

		switch (op >> 6) {
		case 1: delta = low; goto advance;
		case 2: reg = low; val.how = R_OFFSET;
			val.off = (int64_t)uleb(&p, end) * c->data_align; goto set;
		case 3: reg = low; goto restore;
		}
		switch (op) {
		case 0x00: continue; /* nop */
		case 0x01: if (read_enc(&p, end, c->fde_enc, 0, &loc)) return -1;
			if (loc > pc) return 0;
			continue;
		case 0x02: delta = *p++; goto advance;
		case 0x03: delta = u16(p); p += 2; goto advance;
		case 0x04: delta = u32(p); p += 4; goto advance;
		case 0x05: reg = uleb(&p, end); val.how = R_OFFSET;
			val.off = (int64_t)uleb(&p, end) * c->data_align; goto set;
		case 0x06: reg = uleb(&p, end); goto restore;
		case 0x07: reg = uleb(&p, end); val.how = R_UNDEF; goto set;
		case 0x08: reg = uleb(&p, end); val.how = R_SAME; goto set;
		case 0x09: reg = uleb(&p, end); uleb(&p, end); goto set; /* in a register */
		case 0x0a: if (nsaved == MAX_STATES) return -1;
			saved[nsaved++] = *r; continue;
		case 0x0b: if (!nsaved) return -1;
			*r = saved[--nsaved]; /* the CFA rule included, as GCC expects */
			continue;
		case 0x0c: r->cfa_reg = (int)uleb(&p, end); r->cfa_off = (int64_t)uleb(&p, end);
			continue;
		case 0x0d: r->cfa_reg = (int)uleb(&p, end); continue;
		case 0x0e: r->cfa_off = (int64_t)uleb(&p, end); continue;
		case 0x0f: r->cfa_reg = -1; p += uleb(&p, end); continue;
		case 0x10: case 0x16: reg = uleb(&p, end); delta = uleb(&p, end); p += delta;
			goto set; /* expressions */
		case 0x11: reg = uleb(&p, end); val.how = R_OFFSET;
			val.off = sleb(&p, end) * c->data_align; goto set;
		case 0x12: r->cfa_reg = (int)uleb(&p, end);
			r->cfa_off = sleb(&p, end) * c->data_align; continue;
		case 0x13: r->cfa_off = sleb(&p, end) * c->data_align; continue;
		case 0x14: case 0x15: reg = uleb(&p, end); /* value of CFA + n: not a save slot */
			op == 0x14 ? (void)uleb(&p, end) : (void)sleb(&p, end); goto set;
		case 0x2e: uleb(&p, end); continue; /* GNU_args_size */
		case 0x2f: reg = uleb(&p, end); val.how = R_OFFSET;
			val.off = -(int64_t)uleb(&p, end) * c->data_align; goto set;
		default: return -1;
		}
advance:
		loc += delta * c->code_align;
		if (loc > pc)
			return 0;
		continue;
restore:
		if (reg != RBP && reg != c->ra_reg)
			continue;
		val = reg == RBP ? initial->rbp : initial->ra;
set:
		if (reg == RBP)
			dst = &r->rbp;
		else if (reg == c->ra_reg)
			dst = &r->ra;
		else if (reg == RSP && val.how != R_SAME)
			r->cfa_reg = -1; /* rsp restored some other way than as the CFA */
		if (dst)
			*dst = val;
	}
	return 0;
}

struct find {
	uintptr_t pc;
	const uint8_t *fde;
	uintptr_t hdr;
};

/* The FDE that may cover pc, from the binary search table of the object's
 * .eh_frame_hdr. */
static int find_fde(struct dl_phdr_info *info, size_t size, void *data)
{
	struct find *f = data;
	const ElfW(Phdr) *eh = NULL;
	int inside = 0;
	const uint8_t *p, *end;
	uintptr_t frame, count, lo_loc, fde;
	size_t lo = 0, hi;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && f->pc >= start && f->pc < start + ph->p_memsz)
			inside = 1;
		else if (ph->p_type == PT_GNU_EH_FRAME)
			eh = ph;
	}
	if (!inside)
		return 0;
	if (!eh)
		return 1;
	f->hdr = info->dlpi_addr + eh->p_vaddr;
	p = (const uint8_t *)f->hdr;
	end = p + eh->p_memsz;
	/* version 1, then the encodings of: .eh_frame, count, table entries */
	if (p[0] != 1 || p[3] != 0x3b)
		return 1;
	p += 4;
	if (read_enc(&p, end, ((const uint8_t *)f->hdr)[1], f->hdr, &frame) ||
	    read_enc(&p, end, ((const uint8_t *)f->hdr)[2], f->hdr, &count) || !count)
		return 1;
	hi = count;
	while (hi - lo > 1) { /* entries: sdata4 start, sdata4 FDE, from hdr */
		size_t mid = (lo + hi) / 2;
		if (f->hdr + (uintptr_t)(intptr_t)(int32_t)u32(p + 8 * mid) <= f->pc)
			lo = mid;
		else
			hi = mid;
	}
	lo_loc = f->hdr + (uintptr_t)(intptr_t)(int32_t)u32(p + 8 * lo);
	fde = f->hdr + (uintptr_t)(intptr_t)(int32_t)u32(p + 8 * lo + 4);
	if (lo_loc <= f->pc)
		f->fde = (const uint8_t *)fde;
	return 1;
}

int nsp_cfi_rule(uintptr_t pc, struct nsp_rule *out)
{
	struct find f = {pc, NULL, 0};
	const uint8_t *p, *end;
	struct cie c;
	struct row r = {RSP, 8, {R_SAME, 0}, {R_OTHER, 0}}, initial;
	uintptr_t begin, range;

	memset(out, 0, sizeof(*out));
	dl_iterate_phdr(find_fde, &f);
	if (!f.fde || !(p = record(f.fde, &end)))
		return -ENOENT;
	/* From here on the module has CFI for this code (the lookup table
	 * says so): what this reader cannot follow is for libunwind, not for
	 * a walk by frame pointers. */
	out->kind = NSP_RULE_OTHER;
	/* The CIE pointer counts back from its own field. */
	if (parse_cie(p - u32(p), &c))
		return 0;
	p += 4;
	if (read_enc(&p, end, c.fde_enc, 0, &begin) ||
	    read_enc(&p, end, c.fde_enc & 0x0f, 0, &range))
		return 0;
	if (pc < begin || pc >= begin + range)
		return -ENOENT; /* in a gap between functions */
	if (c.signal) {
		out->kind = NSP_RULE_SIGNAL;
		return 0;
	}
	if (execute(&c, c.insns, c.end, begin, pc, &r, &r))
		return 0;
	initial = r;
	if (c.z) {
		uint64_t n = uleb(&p, end);
		p += n; /* augmentation data (the LSDA): nothing we need */
	}
	if (execute(&c, p, end, begin, pc, &r, &initial))
		return 0;
	if (r.ra.how == R_UNDEF) {
		out->kind = NSP_RULE_END;
		return 0;
	}
	if ((r.cfa_reg != RSP && r.cfa_reg != RBP) || r.ra.how != R_OFFSET ||
	    (r.rbp.how != R_SAME && r.rbp.how != R_OFFSET))
		return 0;
	out->kind = NSP_RULE_NORMAL;
	out->cfa_rbp = r.cfa_reg == RBP;
	out->cfa_off = r.cfa_off;
	out->rbp_saved = r.rbp.how == R_OFFSET;
	out->rbp_off = r.rbp.off;
	out->ra_off = r.ra.off;
	return 0;
}
