/* A small JSON reader (RFC 8259) for the reports the processes wrote:
 * whole documents into a tree, strings unescaped to UTF-8.  Depth is
 * bounded, so a damaged file cannot exhaust the stack. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_DEPTH 64

struct parser {
	const char *s, *end;
	const char *err;
};

static void ws(struct parser *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static int fail(struct parser *p, const char *why)
{
	if (!p->err)
		p->err = why;
	return -1;
}

static int hex4(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		*v = *v * 16 + (unsigned)d;
	}
	return 0;
}

static size_t put_utf8(char *o, unsigned c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xc0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xe0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* At the opening quote; a NUL-terminated copy (\u0000 becomes '?'). */
static char *string(struct parser *p)
{
	const char *s = ++p->s;
	char *out, *o;

	while (s < p->end && *s != '"')
		s += *s == '\\' ? 2 : 1;
	if (s >= p->end) {
		fail(p, "unterminated string");
		return NULL;
	}
	o = out = cli_alloc((size_t)(s - p->s) + 1);
	while (*p->s != '"') {
		unsigned c = (unsigned char)*p->s++, lo;
		if (c < 0x20) {
			fail(p, "control character in string");
			break;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		switch (c = (unsigned char)*p->s++) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case '"': case '\\': case '/': *o++ = (char)c; break;
		case 'u':
			if (p->end - p->s < 4 || hex4(p->s, &c)) {
				fail(p, "bad \\u escape");
				goto out;
			}
			p->s += 4;
			if (c >= 0xd800 && c < 0xdc00 && p->end - p->s >= 6 && p->s[0] == '\\' &&
			    p->s[1] == 'u' && !hex4(p->s + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				p->s += 6;
			}
			/* A lone surrogate is no character: U+FFFD, as for a
			 * byte that is not UTF-8 in the writer. */
			if (c >= 0xd800 && c < 0xe000)
				c = 0xfffd;
			o += put_utf8(o, c ? c : '?');
			break;
		default:
			fail(p, "bad escape");
			goto out;
		}
	}
out:
	*o = 0;
	p->s = s + 1;
	return out;
}

static int value(struct parser *p, struct jv *v, int depth);

static int items(struct parser *p, struct jv *v, int depth, char close)
{
	size_t cap = 0;

	p->s++;
	ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		return 0;
	}
	for (;;) {
		if (v->n == cap) {
			cap = cap ? 2 * cap : 8;
			v->v = realloc(v->v, cap * sizeof(*v->v));
			if (v->t == J_OBJ)
				v->k = realloc(v->k, cap * sizeof(*v->k));
			if (!v->v || (v->t == J_OBJ && !v->k))
				return fail(p, "out of memory");
		}
		memset(&v->v[v->n], 0, sizeof(v->v[0]));
		if (v->t == J_OBJ)
			v->k[v->n] = NULL;
		v->n++; /* counted now, so clear() frees what a failure leaves */
		ws(p);
		if (v->t == J_OBJ) {
			if (p->s >= p->end || *p->s != '"')
				return fail(p, "expected a key");
			v->k[v->n - 1] = string(p);
			ws(p);
			if (p->err || p->s >= p->end || *p->s++ != ':')
				return fail(p, "expected ':'");
		}
		if (value(p, &v->v[v->n - 1], depth + 1))
			return -1;
		ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == close) {
			p->s++;
			return 0;
		}
		return fail(p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n))
		return fail(p, "unexpected character");
	p->s += n;
	return 0;
}

static int value(struct parser *p, struct jv *v, int depth)
{
	char *end;

	ws(p);
	if (depth > MAX_DEPTH)
		return fail(p, "nested too deeply");
	if (p->s >= p->end)
		return fail(p, "unexpected end");
	switch (*p->s) {
	case '{': v->t = J_OBJ; return items(p, v, depth, '}');
	case '[': v->t = J_ARR; return items(p, v, depth, ']');
	case '"': v->t = J_STR; v->str = string(p); return p->err ? -1 : 0;
	case 't': v->t = J_BOOL; v->b = 1; return literal(p, "true");
	case 'f': v->t = J_BOOL; return literal(p, "false");
	case 'n': v->t = J_NULL; return literal(p, "null");
	}
	/* The documents are NUL-terminated (cli_slurp), so strtod stops. */
	v->t = J_NUM;
	v->num = strtod(p->s, &end);
	if (end == p->s || end > p->end)
		return fail(p, "unexpected character");
	p->s = end;
	return 0;
}

struct jv *json_parse(const char *s, size_t len, const char **err)
{
	struct parser p = { s, s + len, NULL };
	struct jv *v = cli_alloc(sizeof(*v));

	if (value(&p, v, 0) == 0) {
		ws(&p);
		if (p.s != p.end)
			fail(&p, "text after the document");
	}
	if (p.err) {
		json_free(v);
		*err = p.err;
		return NULL;
	}
	return v;
}

static void clear(struct jv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		clear(&v->v[i]);
		if (v->k)
			free(v->k[i]);
	}
	free(v->v);
	free(v->k);
	free(v->str);
}

void json_free(struct jv *v)
{
	if (v) {
		clear(v);
		free(v);
	}
}

const struct jv *json_get(const struct jv *o, const char *key)
{
	for (size_t i = 0; o && o->t == J_OBJ && i < o->n; i++)
		if (o->k[i] && !strcmp(o->k[i], key))
			return &o->v[i];
	return NULL;
}

const char *json_str(const struct jv *o, const char *key)
{
	const struct jv *v = json_get(o, key);

	return v && v->t == J_STR ? v->str : NULL;
}

long long json_int(const struct jv *o, const char *key, long long dflt)
{
	const struct jv *v = json_get(o, key);

	return v && v->t == J_NUM ? (long long)v->num : dflt;
}

/* Through the library's JSON string writer, the one that knows about
 * bytes that are not UTF-8. */
void json_put_str(FILE *f, const char *s)
{
	struct nsp_out o;

	nsp_out_init_sink(&o, cli_to_file, f);
	nsp_out_json_str(&o, s);
	nsp_out_flush(&o);
}

void json_write(FILE *f, const struct jv *v)
{
	switch (v->t) {
	case J_NULL:
		fputs("null", f);
		break;
	case J_BOOL:
		fputs(v->b ? "true" : "false", f);
		break;
	case J_NUM:
		if (v->num == (double)(long long)v->num)
			fprintf(f, "%lld", (long long)v->num);
		else
			fprintf(f, "%.17g", v->num);
		break;
	case J_STR:
		json_put_str(f, v->str);
		break;
	case J_ARR:
	case J_OBJ:
		fputc(v->t == J_ARR ? '[' : '{', f);
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				fputc(',', f);
			if (v->t == J_OBJ) {
				json_put_str(f, v->k[i]);
				fputc(':', f);
			}
			json_write(f, &v->v[i]);
		}
		fputc(v->t == J_ARR ? ']' : '}', f);
		break;
	}
}
