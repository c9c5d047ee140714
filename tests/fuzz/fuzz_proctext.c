/* libFuzzer target: /proc text parsers (lib/proctext.c), maps, status and
 * stat, and the nsfs mounts of mountinfo (lib/report/nsname.c), over the
 * same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/proc.h"
#include "report/report.h"

/* A stat field that parsed is that number, written out, at a field's
 * start after the last ')'. */
static void check_stat(const char *buf, size_t n, int field)
{
	char digits[24];
	const char *close = NULL, *p;
	uint64_t v;
	int len, f = 2;

	if (nsp_stat_num(buf, n, field, &v))
		return;
	for (const char *q = buf; q < buf + n; q++)
		if (*q == ')')
			close = q;
	if (!close)
		abort();
	for (p = close + 1; p < buf + n && f < field; p++)
		f += *p == ' ';
	len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	/* leading zeros are the one way the text may differ */
	while (p < buf + n - 1 && *p == '0' && p[1] >= '0' && p[1] <= '9')
		p++;
	if (f != field || (size_t)(buf + n - p) < (size_t)len || memcmp(p, digits, (size_t)len))
		abort();
}

/* At most one name a line, each for a namespace, of a kind it says. */
static void check_mounts(const char *buf, size_t n, size_t lines, struct nsp_arena *a)
{
	struct nsp_nsnames names;

	memset(&names, 0, sizeof(names));
	if (nsp_nsnames_parse(&names, a, buf, n))
		return;
	if (names.n > lines)
		abort();
	for (size_t i = 0; i < names.n; i++)
		if (!names.e[i].ino ||
		    (names.e[i].kind == NSP_NAME_NETNS ? strncmp(names.e[i].text, "ip netns ", 9) :
							strncmp(names.e[i].text, "mount ", 6)))
			abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static struct nsp_arena a;
	char *buf = malloc(n ? n : 1); /* exactly n bytes: overreads are caught */
	size_t lines = 1, count = 0;
	uint64_t v;

	if (!a.base && nsp_arena_init(&a, (size_t)64 << 20))
		abort();
	a.used = 0;
	memcpy(buf, data, n);
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	for (const struct nsp_map *m = nsp_maps_parse(buf, n, &a); m; m = m->next) {
		if (m->path && (m->path[0] != '/' || strchr(m->path, '\n')))
			abort();
		count++;
	}
	if (count > lines)
		abort();
	nsp_status_num(buf, n, "Tgid", 10, &v);
	nsp_status_num(buf, n, "SigCgt", 16, &v);
	if (nsp_status_count(buf, n, "NSpid") > (int)n)
		abort();
	if (!nsp_status_last(buf, n, "NSpid", &v) && v > 0 && !memmem(buf, n, "NSpid:", 6))
		abort();
	check_stat(buf, n, 4);
	check_stat(buf, n, 22);
	check_mounts(buf, n, lines, &a);
	free(buf);
	return 0;
}
