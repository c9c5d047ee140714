/* libFuzzer target: NAMSPILL_OPTIONS parsing (lib/options.c). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "base/options.h"

/* A warning must stay one printable line whatever the input held. */
static void warn(const char *msg, const char *key, const char *val)
{
	for (const char *s = key; *s; s++)
		if ((unsigned char)*s < 0x20)
			abort();
	for (const char *s = val; s && *s; s++)
		if ((unsigned char)*s < 0x20)
			abort();
	if (!msg || strlen(key) > 255 || (val && strlen(val) > 255))
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static int devnull = -1;
	struct nsp_options o;
	char *s = malloc(n + 1);

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	memcpy(s, data, n);
	s[n] = 0;
	nsp_options_defaults(&o);
	nsp_options_parse(&o, s, warn);
	if (o.stack_depth < 1 || o.stack_depth > NSP_MAX_DEPTH || o.exitcode < 0 ||
	    o.exitcode > 255 || (o.json != 0 && o.json != 1) ||
	    memchr(o.log_path, 0, sizeof(o.log_path)) == NULL)
		abort();
	nsp_options_print(devnull, &o);
	free(s);
	return 0;
}
