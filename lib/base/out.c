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

/* RFC 3629: the shortest form only (no C0, C1, E0 80..9F, F0 80..8F),
 * no surrogates (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF). */
size_t nsp_utf8_len(const unsigned char *s, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (!left)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n > left || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Text from the program (thread, function, file and module names) in a
 * report people read: printable ASCII and UTF-8 characters as they are;
 * control bytes (newline and ESC included), C1 controls and bytes that
 * are not UTF-8 as \xHH, so no name can start a report line of its own or
 * send the terminal an escape sequence.  The same rule as the namspill
 * command's output (tools/cli/util.c). */
void nsp_out_text_mem(struct nsp_out *o, const char *s, size_t len)
{
	static const char dig[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t k = nsp_utf8_len(p, (size_t)(end - p));
		if (k == 0 || (k == 1 && (*p < 0x20 || *p == 0x7f)) ||
		    (k == 2 && p[0] == 0xc2 && p[1] < 0xa0)) {
			char esc[4] = { '\\', 'x', dig[*p >> 4], dig[*p & 15] };
			nsp_out_mem(o, esc, 4);
			k = 1;
		} else {
			nsp_out_mem(o, (const char *)p, k);
		}
		p += k;
	}
}

void nsp_out_text(struct nsp_out *o, const char *s)
{
	nsp_out_text_mem(o, s, strlen(s));
}

/* JSON string per RFC 8259 from n bytes.  Valid UTF-8 passes through; a
 * byte that is not part of a valid sequence (a path or an argument is just
 * bytes) becomes U+FFFD, so the document stays UTF-8 and such a byte is
 * never mistaken for the character of the same number. */
void nsp_out_json_mem(struct nsp_out *o, const char *s, size_t len)
{
	static const char dig[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	nsp_out_mem(o, "\"", 1);
	while (p < end) {
		unsigned char c = *p;
		char esc[6] = { '\\', 'u', '0', '0', dig[c >> 4], dig[c & 15] };
		size_t n = nsp_utf8_len(p, (size_t)(end - p));

		if (c == '"' || c == '\\') {
			char q[2] = { '\\', (char)c };
			nsp_out_mem(o, q, 2);
		} else if (c == '\n') {
			nsp_out_mem(o, "\\n", 2);
		} else if (c == '\t') {
			nsp_out_mem(o, "\\t", 2);
		} else if (n == 0) {
			nsp_out_mem(o, "\\ufffd", 6);
			n = 1;
		} else if (c < 0x20 || c == 0x7f) {
			nsp_out_mem(o, esc, 6);
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
