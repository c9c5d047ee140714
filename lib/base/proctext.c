/* Parsing /proc text (maps, status): pure functions over a buffer, so they
 * can be fuzzed and are shared by the in-process symbolizer and the tracer.
 * The text need not end in a newline or a NUL; nothing is read past buf+n. */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/fmt.h"
#include "base/proc.h"

static uintptr_t hex(const char **s, const char *end)
{
	uint64_t v;

	nsp_parse_hex(s, end, &v);
	return (uintptr_t)v;
}

static const char *skip_field(const char *p, const char *end)
{
	while (p < end && *p != ' ')
		p++;
	while (p < end && *p == ' ')
		p++;
	return p;
}

#define DELETED " (deleted)" /* what the kernel adds to the path of a removed file */

/* A mapping of path[0..plen) (NULL: none); the module base is where its
 * first mapping (file offset 0) starts, as in "(module+0x1234)", which
 * the previous mapping of the same file already knows.  A removed file
 * keeps its name, without the kernel's " (deleted)": it is still the
 * module it was (a binary rebuilt while it ran), read some other way. */
struct nsp_map *nsp_map_new(struct nsp_arena *a, uintptr_t lo, uintptr_t hi, uintptr_t off,
			    int exec, const char *path, size_t plen, const struct nsp_map *prev)
{
	const size_t dl = sizeof(DELETED) - 1;
	int deleted = path && plen > dl && !memcmp(path + plen - dl, DELETED, dl);
	struct nsp_map *m;

	if (deleted)
		plen -= dl;
	if (!(m = nsp_arena_alloc(a, sizeof(*m) + plen + 1)))
		return NULL;
	m->next = NULL;
	m->lo = lo;
	m->hi = hi;
	m->exec = exec;
	m->deleted = deleted;
	m->path = NULL;
	m->base = lo - off;
	if (path) {
		memcpy((char *)(m + 1), path, plen);
		((char *)(m + 1))[plen] = 0;
		m->path = (char *)(m + 1);
		if (prev && prev->path && !strcmp(prev->path, m->path))
			m->base = prev->base;
	}
	return m;
}

/* "lo-hi perms offset dev inode   path".  NULL for a malformed line. */
static struct nsp_map *parse_line(const char *p, const char *end, struct nsp_arena *a,
				  const struct nsp_map *prev)
{
	const char *path, *perms;
	uintptr_t lo, hi, off;

	lo = hex(&p, end);
	if (p == end || *p++ != '-')
		return NULL;
	hi = hex(&p, end);
	perms = p = skip_field(p, end);
	p = skip_field(p, end);
	off = hex(&p, end);
	path = memchr(p, '/', (size_t)(end - p));
	return nsp_map_new(a, lo, hi, off, end - perms > 2 && perms[2] == 'x', path,
			   path ? (size_t)(end - path) : 0, prev);
}

struct nsp_map *nsp_maps_parse(const char *buf, size_t n, struct nsp_arena *a)
{
	struct nsp_map *head = NULL, *last = NULL, *m;
	const char *p = buf, *end = buf + n;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((m = parse_line(p, eol, a, last))) {
			if (last)
				last->next = m;
			else
				head = m;
			last = m;
		}
		p = eol + 1;
	}
	return head;
}

/* The value of the "Key:" line of /proc/PID/status text: [*v, *eol)
 * after the colon; 0, or -ENOENT if the key is missing. */
static int status_value(const char *buf, size_t n, const char *key, const char **v,
			const char **eol)
{
	const char *p = buf, *end = buf + n;
	size_t kl = strlen(key);

	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		if ((size_t)(e - p) > kl && !memcmp(p, key, kl) && p[kl] == ':') {
			*v = p + kl + 1;
			*eol = e;
			return 0;
		}
		p = e + 1;
	}
	return -ENOENT;
}

/* "Key:\tvalue" lines of /proc/PID/status: the number after key, in base
 * 10 or 16.  0, -ENOENT if the key is missing, -EINVAL if its value is
 * not a number. */
int nsp_status_num(const char *buf, size_t n, const char *key, int base, uint64_t *out)
{
	const char *q, *eol;

	if (status_value(buf, n, key, &q, &eol))
		return -ENOENT;
	while (q < eol && (*q == ' ' || *q == '\t'))
		q++;
	return (base == 16 ? nsp_parse_hex(&q, eol, out) : nsp_parse_dec(&q, eol, out)) <= 0 ?
		       -EINVAL : 0;
}

/* How many values the "Key:" line of /proc/PID/status holds (NSpid: one
 * per pid namespace from /proc's down to the process's own), or -ENOENT
 * if the key is missing. */
int nsp_status_count(const char *buf, size_t n, const char *key)
{
	const char *q, *eol;
	int count = 0, in_word = 0;

	if (status_value(buf, n, key, &q, &eol))
		return -ENOENT;
	for (; q < eol; q++) {
		int blank = *q == ' ' || *q == '\t';
		count += !blank && !in_word;
		in_word = !blank;
	}
	return count;
}

/* The last value of the "Key:" line (NSpid: the number the process's own
 * pid namespace gives it): 0, -ENOENT if the key is missing, -EINVAL if
 * that value is not a decimal number. */
int nsp_status_last(const char *buf, size_t n, const char *key, uint64_t *out)
{
	const char *v, *q, *eol;

	if (status_value(buf, n, key, &v, &eol))
		return -ENOENT;
	for (q = eol; q > v && (q[-1] == ' ' || q[-1] == '\t'); q--)
		;
	while (q > v && q[-1] != ' ' && q[-1] != '\t')
		q--;
	return nsp_parse_dec(&q, eol, out) > 0 && (q == eol || *q == ' ' || *q == '\t') ? 0 : -EINVAL;
}

/* Field FIELD of /proc/PID/stat (or task/TID/stat) text, numbered as in
 * proc(5) (4: ppid, 22: starttime), when it is a decimal number.  The
 * command name (field 2) may hold anything, blanks and ')' included, so
 * the fields after it are counted from its last ')'.  0, or -EINVAL if
 * the field is missing, not a number or over 64 bits. */
int nsp_stat_num(const char *buf, size_t n, int field, uint64_t *out)
{
	const char *p = NULL, *end = buf + n;
	uint64_t v;
	int f = 2;

	for (const char *q = buf; q < end; q++)
		if (*q == ')')
			p = q;
	if (!p || field < 3)
		return -EINVAL;
	for (p++; p < end && f < field; p++)
		f += *p == ' ';
	if (f < field || nsp_parse_dec(&p, end, &v) <= 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int nsp_stat_comm(const char *buf, size_t n, char comm[16])
{
	const char *open = memchr(buf, '(', n), *close = NULL;
	size_t len;

	for (const char *q = buf + n; open && q > open + 1; q--)
		if (q[-1] == ')') {
			close = q - 1;
			break;
		}
	if (!close)
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len > 15)
		len = 15;
	memset(comm, 0, 16);
	memcpy(comm, open + 1, len);
	return 0;
}
