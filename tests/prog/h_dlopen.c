/* dlopen()s the library named by argv[1], whose constructor starts threads
 * (one of them leaks), then exits 0; with argv[2] "unlink", removes the
 * library's file first (its mappings then read "PATH (deleted)"). */
#include "common.h"
#include <dlfcn.h>

int main(int argc, char **argv)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skip: the library's threads need root for unshare\n");
		return SKIP;
	}
	if (argc < 2 || !dlopen(argv[1], RTLD_NOW)) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 2;
	}
	if (argc > 2 && !strcmp(argv[2], "unlink"))
		unlink(argv[1]);
	return 0;
}
