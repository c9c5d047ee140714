/* libFuzzer target: the answer of namspill-symbolize (lib/symproto.c),
 * which the library parses in a signal handler.  Any bytes must parse
 * into a table whose strings lie in the answer; and frames made from the
 * bytes, written by the helper's writer, must parse back as they were. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/out.h"
#include "report/sym.h"

static struct nsp_arena arena;

static void check_str(const char *s, const char *buf, size_t len)
{
	if (s && (s < buf || s > buf + len || !*s || strlen(s) > (size_t)(buf + len - s)))
		abort();
}

static void check_table(const struct nsp_symtab *t, const char *buf, size_t len)
{
	struct nsp_frame f[NSP_MAX_INLINE];

	for (size_t i = 0; i < t->n; i++) {
		const struct nsp_symentry *e = &t->e[i];
		if (e->n < 1 || e->n > NSP_MAX_INLINE)
			abort();
		for (int k = 0; k < e->n; k++) {
			const struct nsp_frame *x = &e->f[k];
			if (x->ip != e->ip || (x->inlined != 0 && x->inlined != 1) || x->line < 0)
				abort();
			check_str(x->function, buf, len);
			check_str(x->module, buf, len);
			check_str(x->file, buf, len);
		}
		/* Lookups: the table is searched as if ascending. */
		if (nsp_symtab_frames(t, e->ip, f, NSP_MAX_INLINE) > NSP_MAX_INLINE)
			abort();
	}
}

static uint64_t word(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int same(const char *want, const char *got)
{
	if (!want || !*want)
		return got == NULL;
	return got && !strcmp(want, got);
}

/* Frames from the bytes: an ip and an offset, then NUL-separated names
 * (function, module, file, ...) dealt out in turn. */
static void round_trip(const unsigned char *data, size_t n)
{
	static int fd = -1;
	struct nsp_frame f[NSP_MAX_INLINE];
	struct nsp_symtab t;
	struct nsp_out o;
	const char *names[3 * NSP_MAX_INLINE];
	char *text, *back;
	size_t nn = 0, nf;
	uint64_t ip;
	off_t len;

	if (n < 17)
		return;
	if (fd < 0 && (fd = memfd_create("answer", 0)) < 0)
		abort();
	ip = word(data);
	nf = 1 + data[16] % NSP_MAX_INLINE;
	text = malloc(n - 17 + 1);
	memcpy(text, data + 17, n - 17);
	text[n - 17] = 0;
	for (char *s = text; nn < 3 * nf && s <= text + (n - 17); s += strlen(s) + 1)
		names[nn++] = s;
	memset(f, 0, sizeof(f));
	for (size_t k = 0; k < nf; k++) {
		f[k].ip = ip;
		f[k].offset = word(data + 8) >> k;
		f[k].line = (int)((ip >> (k + 1)) & 0x7fffffff);
		f[k].inlined = k + 1 < nf;
		f[k].function = nn ? names[(3 * k) % nn] : NULL;
		f[k].module = nn > 1 ? names[(3 * k + 1) % nn] : NULL;
		f[k].file = nn > 2 ? names[(3 * k + 2) % nn] : NULL;
	}
	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET))
		abort();
	nsp_out_init(&o, fd);
	nsp_proto_head(&o, ip, (int)nf);
	for (size_t k = 0; k < nf; k++)
		nsp_proto_frame(&o, &f[k]);
	if (nsp_out_flush(&o) || (len = lseek(fd, 0, SEEK_END)) < 0)
		abort();
	back = malloc((size_t)len + 1);
	if (pread(fd, back, (size_t)len, 0) != len)
		abort();
	arena.used = 0;
	nsp_proto_parse(back, (size_t)len, &arena, &t);

	if (t.n != 1 || t.e[0].ip != ip || t.e[0].n != (int)nf)
		abort();
	for (size_t k = 0; k < nf; k++) {
		const struct nsp_frame *g = &t.e[0].f[k];
		int named = f[k].module && *f[k].module;
		if (g->inlined != f[k].inlined || g->line != f[k].line ||
		    !same(f[k].function, g->function) || !same(f[k].module, g->module) ||
		    !same(f[k].file, g->file) || (named && g->offset != f[k].offset))
			abort();
	}
	free(back);
	free(text);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	struct nsp_symtab t;
	char *buf = malloc(n + 1); /* the answer and the parser's spare byte */

	if (!arena.base && nsp_arena_init(&arena, (size_t)64 << 20))
		abort();
	arena.used = 0;
	memcpy(buf, data, n);
	nsp_proto_parse(buf, n, &arena, &t);
	check_table(&t, buf, n);
	free(buf);
	round_trip(data, n);
	return 0;
}
