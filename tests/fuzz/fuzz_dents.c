/* libFuzzer target: getdents64 records of /proc/PID/task (lib/proc.c). */
#include <stdlib.h>
#include <string.h>

#include "base/proc.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	char *buf = malloc(n ? n : 1);
	size_t cap = n / 20 + 1, got;
	pid_t *tids = malloc(cap * sizeof(*tids));

	memcpy(buf, data, n);
	got = nsp_dents_tids(buf, n, tids, cap);
	if (got > cap)
		abort();
	for (size_t i = 0; i < got; i++)
		if (tids[i] <= 0)
			abort();
	free(tids);
	free(buf);
	return 0;
}
