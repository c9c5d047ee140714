/* Numbers to text and back without stdio or locale: reports are written
 * from signal handlers, and the CLI and the library must agree on every
 * digit. */
#include <errno.h>
#include <string.h>

#include "base/fmt.h"

static const char digits[] = "0123456789abcdef";

static size_t put(char *buf, uint64_t v, unsigned base)
{
	char tmp[NSP_NUM_MAX];
	size_t n = 0, k = 0;

	do
		tmp[n++] = digits[v % base];
	while (v /= base);
	while (n)
		buf[k++] = tmp[--n];
	return k;
}

size_t nsp_fmt_dec(char *buf, uint64_t v)
{
	return put(buf, v, 10);
}

size_t nsp_fmt_hex(char *buf, uint64_t v)
{
	return put(buf, v, 16);
}

static int digit(char c, unsigned base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return d < (int)base ? d : -1;
}

int nsp_parse_dec(const char **p, const char *end, uint64_t *v)
{
	int n = 0, d, over = 0;

	*v = 0;
	for (; *p < end && (d = digit(**p, 10)) >= 0; (*p)++, n++) {
		over |= *v > (UINT64_MAX - (uint64_t)d) / 10;
		*v = over ? UINT64_MAX : *v * 10 + (uint64_t)d;
	}
	return over ? -ERANGE : n;
}

int nsp_parse_hex(const char **p, const char *end, uint64_t *v)
{
	int n = 0, d;

	*v = 0;
	if (end - *p > 2 && (*p)[0] == '0' && (*p)[1] == 'x')
		*p += 2;
	for (; *p < end && n < 16 && (d = digit(**p, 16)) >= 0; (*p)++, n++)
		*v = *v << 4 | (uint64_t)d;
	return n;
}

int nsp_path_num(char *buf, size_t cap, const char *a, uint64_t n, const char *b)
{
	char num[NSP_NUM_MAX];
	size_t la = strlen(a), lb = strlen(b), ln = nsp_fmt_dec(num, n);

	if (la + ln + lb + 1 > cap) {
		if (cap)
			buf[0] = 0;
		return -ENAMETOOLONG;
	}
	memcpy(buf, a, la);
	memcpy(buf + la, num, ln);
	memcpy(buf + la + ln, b, lb + 1);
	return 0;
}

const char *nsp_base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}
