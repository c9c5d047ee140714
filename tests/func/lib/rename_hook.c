/* Preloaded before the shim: when the shim renames its finished report
 * into place, a SIGTERM is sent to the process first and given time to
 * land, so it arrives while a report is being written. */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int rename(const char *from, const char *to)
{
	static const struct timespec wait = { 0, 200000000 };
	int (*real)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	size_t n = strlen(from);

	if (n > 4 && !strcmp(from + n - 4, ".tmp")) {
		kill(getpid(), SIGTERM);
		nanosleep(&wait, NULL);
	}
	return real(from, to);
}
