/* Named frames over a socket, between a report written in a signal handler
 * and the namspill-symbolize program that names its addresses.
 *
 * Question: one return address per line, in hex, then end of file.
 * Answer, for each address in the order asked: "@IP N\n" (hex IP, decimal
 * N), then N frame lines, innermost first:
 *     INLINED \t OFFSET \t LINE \t FUNCTION \t MODULE \t FILE \n
 * INLINED is 0 or 1, OFFSET hex or "-" when there is no module, LINE
 * decimal (0: unknown), strings empty when unknown, with '\\', tab and
 * newline escaped by a backslash ("\\\\", "\\t", "\\n").
 *
 * Both ends are here so they cannot drift apart; the parser works in
 * place on the arena and never allocates otherwise (signal context). */
#include <limits.h>
#include <string.h>

#include "base/arena.h"
#include "base/fmt.h"
#include "base/out.h"
#include "report/sym.h"

static void put_escaped(struct nsp_out *o, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			nsp_out_str(o, "\\\\");
		else if (*s == '\t')
			nsp_out_str(o, "\\t");
		else if (*s == '\n')
			nsp_out_str(o, "\\n");
		else
			nsp_out_mem(o, s, 1);
	}
}

void nsp_proto_head(struct nsp_out *o, uintptr_t ip, int n)
{
	nsp_out_str(o, "@");
	nsp_out_hex(o, ip);
	nsp_out_str(o, " ");
	nsp_out_i64(o, n);
	nsp_out_str(o, "\n");
}

void nsp_proto_frame(struct nsp_out *o, const struct nsp_frame *f)
{
	nsp_out_str(o, f->inlined ? "1\t" : "0\t");
	if (f->module)
		nsp_out_hex(o, f->offset);
	else
		nsp_out_str(o, "-");
	nsp_out_str(o, "\t");
	nsp_out_i64(o, f->line > 0 ? f->line : 0);
	nsp_out_str(o, "\t");
	put_escaped(o, f->function);
	nsp_out_str(o, "\t");
	put_escaped(o, f->module);
	nsp_out_str(o, "\t");
	put_escaped(o, f->file);
	nsp_out_str(o, "\n");
}

/* All the digits, the value held at INT_MAX: a line number of ten
 * digits once cut the number short, and its frame was dropped. */
static int dec(const char **p, const char *end)
{
	uint64_t v;

	nsp_parse_dec(p, end, &v);
	return v > INT_MAX ? INT_MAX : (int)v;
}

/* Cuts one field off [*p, end) at the next tab or end, unescaping it in
 * place; returns NULL for an empty field. */
static char *field(char **p, char *end)
{
	char *start = *p, *w = *p, *r = *p;

	while (r < end && *r != '\t') {
		if (*r == '\\' && r + 1 < end) {
			r++;
			*w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
			r++;
		} else {
			*w++ = *r++;
		}
	}
	*p = r < end ? r + 1 : r;
	*w = 0; /* w < r or w == end, and buf has room for this NUL */
	return w == start ? NULL : start;
}

static int parse_frame(char *line, char *end, uintptr_t ip, struct nsp_frame *f)
{
	const char *q = line;
	uint64_t off = 0;
	int ok = 1;

	memset(f, 0, sizeof(*f));
	f->ip = ip;
	if (end - line < 2 || (line[0] != '0' && line[0] != '1') || line[1] != '\t')
		return -1;
	f->inlined = line[0] == '1';
	q = line + 2;
	if (q < end && *q == '-')
		q++, ok = 0;
	else
		ok = nsp_parse_hex(&q, end, &off) > 0;
	f->offset = (uintptr_t)off;
	if (q >= end || *q++ != '\t')
		return -1;
	f->line = (int)dec(&q, end);
	if (q >= end || *q++ != '\t')
		return -1;
	line = (char *)q;
	f->function = field(&line, end);
	f->module = field(&line, end);
	f->file = field(&line, end);
	if (!ok)
		f->module = NULL;
	return 0;
}

static char *next_line(char **p, char *end)
{
	char *l = *p, *nl = memchr(l, '\n', (size_t)(end - l));

	if (l >= end)
		return NULL;
	*p = nl ? nl + 1 : end;
	if (nl)
		*nl = 0;
	return l;
}

/* buf holds len bytes and one spare byte, ours to write.  Entries that
 * are cut short or malformed are dropped; what parsed before them stays. */
int nsp_proto_parse(char *buf, size_t len, struct nsp_arena *a, struct nsp_symtab *t)
{
	char *p = buf, *end = buf + len, *l;
	size_t cap = 0;

	*end = 0; /* the last line ends here, whatever the caller left in it */
	t->n = 0;
	t->e = nsp_arena_rest(a, &cap);
	cap /= sizeof(*t->e);
	/* Entries first, frames after them: count the entries first. */
	for (char *s = buf; s < end && (s = memchr(s, '@', (size_t)(end - s))); s++)
		if (s == buf || s[-1] == '\n')
			t->n++;
	if (t->n > cap)
		t->n = cap;
	nsp_arena_keep(a, t->n * sizeof(*t->e));
	size_t i = 0;

	while (i < t->n) {
		struct nsp_symentry *e = &t->e[i];
		const char *q;
		uint64_t ip;
		int n;
		if (!(l = next_line(&p, end)))
			break;
		if (*l != '@')
			continue;
		q = l + 1;
		if (!nsp_parse_hex(&q, end, &ip) || q >= end || *q++ != ' ' || (n = dec(&q, end)) < 1 || n > NSP_MAX_INLINE)
			continue;
		e->ip = (uintptr_t)ip;
		e->f = nsp_arena_alloc(a, (size_t)n * sizeof(*e->f));
		if (!e->f)
			break;
		for (e->n = 0; e->n < n && (l = next_line(&p, end)); e->n++)
			if (parse_frame(l, l + strlen(l), e->ip, &e->f[e->n]))
				break;
		if (e->n == n)
			i++;
	}
	t->n = i; /* malformed or missing entries at the end */
	return 0;
}

/* Frames at ip from a parsed answer (to a question asked in ascending
 * order); 0 if it was not named. */
int nsp_symtab_frames(const struct nsp_symtab *t, uintptr_t ip, struct nsp_frame *f, int max)
{
	size_t lo = 0, hi = t ? t->n : 0;
	int n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->e[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == (t ? t->n : 0) || t->e[lo].ip != ip)
		return 0;
	n = t->e[lo].n < max ? t->e[lo].n : max;
	memcpy(f, t->e[lo].f, (size_t)n * sizeof(*f));
	return n;
}
