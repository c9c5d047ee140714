/* Output without malloc or stdio: a fixed buffer flushed with
 * nsp_write_all.  Usable from a signal handler. */
#include <string.h>

#include "base/fmt.h"
#include "base/io.h"
#include "base/out.h"

void nsp_out_init(struct nsp_out *o, int fd)
{
	o->fd = fd;
	o->err = 0;
	o->len = 0;
	o->sink = NULL;
}

void nsp_out_init_sink(struct nsp_out *o, void (*sink)(void *ctx, const char *s, size_t n),
		       void *ctx)
{
	nsp_out_init(o, -1);
	o->sink = sink;
	o->ctx = ctx;
}

int nsp_out_flush(struct nsp_out *o)
{
	int e = 0;

	if (o->sink && o->len)
		o->sink(o->ctx, o->buf, o->len);
	else if (o->len && !o->err)
		e = nsp_write_all(o->fd, o->buf, o->len);

	if (e)
		o->err = -e;
	o->len = 0;
	return o->err ? -o->err : 0;
}

void nsp_out_mem(struct nsp_out *o, const char *s, size_t n)
{
	while (n) {
		size_t room = sizeof(o->buf) - o->len, k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof(o->buf))
			nsp_out_flush(o);
	}
}

void nsp_out_str(struct nsp_out *o, const char *s)
{
	nsp_out_mem(o, s, strlen(s));
}

void nsp_out_u64(struct nsp_out *o, uint64_t v)
{
	char b[NSP_NUM_MAX];

	nsp_out_mem(o, b, nsp_fmt_dec(b, v));
}

void nsp_out_i64(struct nsp_out *o, int64_t v)
{
	if (v < 0) {
		nsp_out_mem(o, "-", 1);
		nsp_out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		nsp_out_u64(o, (uint64_t)v);
	}
}

void nsp_out_hex(struct nsp_out *o, uint64_t v)
{
	char b[NSP_NUM_MAX] = "0x";

	nsp_out_mem(o, b, 2 + nsp_fmt_hex(b + 2, v));
}

/* Length of the valid UTF-8 sequence at s (of at most left bytes), 0 if
 * it is not one. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf5 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* JSON string per RFC 8259 from n bytes.  Valid UTF-8 passes through; any
 * other byte (a path is just bytes) becomes \u00XX so the document stays
 * valid. */
void nsp_out_json_mem(struct nsp_out *o, const char *s, size_t len)
{
	static const char dig[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	nsp_out_mem(o, "\"", 1);
	while (p < end) {
		unsigned char c = *p;
		char esc[6] = { '\\', 'u', '0', '0', dig[c >> 4], dig[c & 15] };
		size_t n = c >= 0x80 ? utf8_len(p, (size_t)(end - p)) : 1;

		if (c == '"' || c == '\\') {
			char q[2] = { '\\', (char)c };
			nsp_out_mem(o, q, 2);
		} else if (c == '\n') {
			nsp_out_mem(o, "\\n", 2);
		} else if (c == '\t') {
			nsp_out_mem(o, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f || n == 0) {
			nsp_out_mem(o, esc, 6);
			n = 1;
		} else {
			nsp_out_mem(o, (const char *)p, n);
		}
		p += n;
	}
	nsp_out_mem(o, "\"", 1);
}

void nsp_out_json_str(struct nsp_out *o, const char *s)
{
	if (s)
		nsp_out_json_mem(o, s, strlen(s));
	else
		nsp_out_mem(o, "null", 4);
}

/* A JSON array of the NUL-separated strings in buf (a command line). */
void nsp_out_json_strv(struct nsp_out *o, const char *buf, size_t len)
{
	size_t i = 0;

	nsp_out_mem(o, "[", 1);
	while (i < len) {
		const char *z = memchr(buf + i, 0, len - i);
		size_t n = z ? (size_t)(z - (buf + i)) : len - i;
		if (i)
			nsp_out_mem(o, ",", 1);
		nsp_out_json_mem(o, buf + i, n);
		i += n + 1;
	}
	nsp_out_mem(o, "]", 1);
}

/* One line on stderr: "namspill: a b c".  Loses nothing if stderr is
 * closed except the line itself. */
void nsp_msg(const char *a, const char *b, const char *c)
{
	struct nsp_out o;

	nsp_out_init(&o, 2);
	nsp_out_str(&o, "namspill: ");
	nsp_out_str(&o, a);
	if (b)
		nsp_out_str(&o, b);
	if (c)
		nsp_out_str(&o, c);
	nsp_out_str(&o, "\n");
	nsp_out_flush(&o);
}
