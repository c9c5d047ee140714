/* libFuzzer target: /proc text parsers (lib/proctext.c), maps and status,
 * over the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "nsp.h"

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
	free(buf);
	return 0;
}
