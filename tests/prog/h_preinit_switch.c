/* A switch made from a preinit_array function, before libc has set
 * environ and so before the library has read its options: a uts
 * namespace entered and left again (syscall(), which the library
 * records).  Then a thread leaks uts for good and main dies of SIGTERM:
 * its report must come, as when nothing happened that early. */
#include "common.h"
#include <signal.h>

static int early_failed;

static void early(int argc, char **argv, char **envp)
{
	int fd = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);

	(void)argc;
	(void)argv;
	(void)envp;
	early_failed = fd < 0 || syscall(SYS_unshare, CLONE_NEWUTS) != 0 ||
		       syscall(SYS_setns, fd, CLONE_NEWUTS) != 0;
	if (fd >= 0)
		close(fd);
}

__attribute__((section(".preinit_array"), used)) static void (*const run_early)(int, char **,
									      char **) = early;

int main(void)
{
	if (early_failed) {
		fprintf(stderr, "skip: cannot switch uts before main (needs root)\n");
		return SKIP;
	}
	start_threads(uts_leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	raise(SIGTERM);
	return 2;
}
