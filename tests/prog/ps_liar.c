/* A process that lies to `namspill ps --stacks`, as any program can: run
 * with the library and report_signal=SIGUSR2, it handles SIGUSR2 itself
 * and then writes into the library's published state (its own memory)
 * that the library's handler has it.  When ps asks, its handler puts at
 * the name of the report ps waits for:
 *   ps_liar link TARGET    a symbolic link to TARGET
 *   ps_liar rename FILE    FILE, renamed (someone else's file, say)
 *   ps_liar text           a report of its own holding terminal escapes
 * Prints "ready" once the lie is in place, then waits to be killed. */
#include <signal.h>
#include <stdint.h>

#include "common.h"

#define MAGIC "namspill:ps:v3\n" /* base/psstate.h */

struct state { /* the head of struct nsp_ps_state */
	char magic[16];
	int32_t report_signal, owned;
	uint64_t requests, files;
	char log_path[512];
};

static const char *mode, *arg;
static char name[640];

/* Byte by byte, as a debugger reads: the library's data has a
 * sanitizer's redzones between its objects in an instrumented build. */
static int same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const volatile char *)a)[i] != b[i])
			return 0;
	return 1;
}

static struct state *find_state(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096], perm[8];
	unsigned long lo, hi;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "/libnamspill.so") &&
		    sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 && perm[1] == 'w')
			for (unsigned long a = lo; a + sizeof(struct state) <= hi; a += 8)
				if (same((const char *)a, MAGIC, 16))
					return (struct state *)a;
	return NULL;
}

static void answer(int sig)
{
	static const char text[] = "\x1b[2J\x1b]0;owned\a report\nSUMMARY: all clean\x1b[8m\n";
	int fd;

	(void)sig;
	if (!strcmp(mode, "link")) {
		if (symlink(arg, name))
			_exit(3);
	} else if (!strcmp(mode, "rename")) {
		if (rename(arg, name))
			_exit(3);
	} else if ((fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0 ||
		   write(fd, text, sizeof(text) - 1) < 0) {
		_exit(3);
	}
}

int main(int argc, char **argv)
{
	struct state *st;
	const char *opts, *lp;

	mode = argc > 1 ? argv[1] : "text";
	arg = argc > 2 ? argv[2] : "";
	signal(SIGUSR2, answer);
	if ((st = find_state()) && st->report_signal == SIGUSR2) {
		snprintf(name, sizeof(name), "%s.%d.request1", st->log_path, (int)getpid());
		st->owned = 1; /* the lie */
	} else if ((opts = getenv("NAMSPILL_OPTIONS")) && (lp = strstr(opts, "log_path="))) {
		/* A library that publishes nothing: no lie needed. */
		snprintf(name, sizeof(name), "%.*s.%d.request1", (int)strcspn(lp + 9, ":"), lp + 9,
			 (int)getpid());
	} else {
		fprintf(stderr, "ps_liar: run me with libnamspill and report_signal=SIGUSR2\n");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
