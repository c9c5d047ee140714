/* Where our own files are: next to the namspill binary in the build tree
 * (build/libnamspill.so, build/namspill-trace), or installed relative to
 * it (BINDIR/../lib), or in the LIBDIR compiled in (NSP_LIBDIR). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "cli.h"

#ifndef NSP_LIBDIR
#define NSP_LIBDIR "/usr/local/lib"
#endif

static const char *self_dir(void)
{
	static char dir[PATH_MAX];
	char *slash;

	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		/* No /proc: the path we were started by (a name found along
		 * PATH comes with its directory; a relative one is taken from
		 * where we started, which is still where we are). */
		const char *fn = n <= 0 ? (const char *)getauxval(AT_EXECFN) : NULL;
		if (n <= 0 && (!fn || !strchr(fn, '/') || strlen(fn) >= sizeof(dir)))
			return ".";
		if (n <= 0)
			n = (ssize_t)strlen(strcpy(dir, fn));
		dir[n] = 0;
		slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
	}
	return dir;
}

/* The first candidate that exists, as an absolute path. */
static const char *first(const char *const *cand, size_t n, int mode, const char *what)
{
	static char found[2][PATH_MAX];
	static int slot;

	for (size_t i = 0; i < n; i++) {
		char *r;
		if (access(cand[i], mode) != 0 || !(r = realpath(cand[i], NULL)))
			continue;
		slot ^= 1;
		snprintf(found[slot], sizeof(found[slot]), "%s", r);
		free(r);
		return found[slot];
	}
	cli_err("cannot find %s; looked for:", what);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "    %s\n", cand[i]);
	fprintf(stderr, "namspill: build it with `make`, or reinstall namspill\n");
	return NULL;
}

/* here: next to us (a build tree); installed: under a library directory,
 * ../lib or ../lib64 from us, then the one we were built for. */
static const char *find(const char *here, const char *installed, int mode, const char *what)
{
	static char c[4][PATH_MAX + 64];
	const char *d = self_dir(), *cand[] = { c[0], c[1], c[2], c[3] };

	snprintf(c[0], sizeof(c[0]), "%s/%s", d, here);
	snprintf(c[1], sizeof(c[1]), "%s/../lib/%s", d, installed);
	snprintf(c[2], sizeof(c[2]), "%s/../lib64/%s", d, installed);
	snprintf(c[3], sizeof(c[3]), "%s/%s", NSP_LIBDIR, installed);
	return first(cand, 4, mode, what);
}

const char *cli_find_library(void)
{
	return find("libnamspill.so", "libnamspill.so.0", R_OK, "libnamspill.so");
}

const char *cli_find_tracer(void)
{
	return find("namspill-trace", "namspill/namspill-trace", X_OK, "the tracer namspill-trace");
}
