/* libFuzzer target: the input is an ELF image.  Whatever opens is
 * asked about a spread of pcs, walked function by function, and
 * unwound over a "stack" that is the input itself, so that offsets,
 * value tables, inline trees and return addresses all come from the
 * fuzzer.  Build: clang -fsanitize=fuzzer,address,undefined. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/gopcln.h"

#define STACK_AT 0x10000u
#define MAX_FUNCS 64

struct mem {
	const uint8_t *p;
	size_t n;
};

static int read_input(void *ctx, uintptr_t addr, void *buf, size_t n)
{
	const struct mem *m = ctx;

	if (addr < STACK_AT || addr - STACK_AT > m->n || n > m->n - (addr - STACK_AT))
		return -14;
	memcpy(buf, m->p + (addr - STACK_AT), n);
	return 0;
}

static void ask(const struct nsp_gopcln *t, uintptr_t pc, struct mem *m)
{
	struct nsp_gopcln_sym s;
	struct nsp_gopcln_loc inl[8];
	struct nsp_gopcln_frame fr[16];
	size_t n;
	int stop;
	int32_t d;

	if (nsp_gopcln_lookup(t, pc, &s, inl, 8) == 0) {
		/* strings returned must be readable to their end */
		volatile size_t sink = strlen(s.fn.func);
		for (uint32_t i = 0; i < s.ninl; i++)
			sink += strlen(inl[i].func) + (inl[i].file ? strlen(inl[i].file) : 0);
		(void)sink;
	}
	nsp_gopcln_spdelta(t, pc, &d);
	nsp_gopcln_unwind(t, pc, STACK_AT + (pc % 64), read_input, m, fr, 16, &n, &stop);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsp_gopcln t;
	struct mem m = { data, size };
	uintptr_t bias;

	nsp_gopcln_load_bias(data, size, 0x7f0000000000u, 0, &bias);
	if (nsp_gopcln_open(&t, data, size, 0))
		return 0;
	for (uint64_t i = 0; i < t.nfunc && i < MAX_FUNCS; i++) {
		uintptr_t entry, end;
		const char *name;

		if (nsp_gopcln_func_at(&t, i, &entry, &end, &name))
			continue;
		ask(&t, entry, &m);
		ask(&t, entry + (end - entry) / 2, &m);
		ask(&t, end - 1, &m);
	}
	for (unsigned k = 0; k <= 16; k++)
		ask(&t, (uintptr_t)(t.min_pc + (t.max_pc - t.min_pc) * k / 16), &m);
	return 0;
}
