/* h_leak with a preinit_array function that calls wrapped functions before
 * libc has set environ, as a sanitizer runtime does when it starts
 * (sigaltstack, sigaction; syscall() starts the library).  The options
 * must still be read. */
#include "h_leak.c"
#include <signal.h>

static void early(int argc, char **argv, char **envp)
{
	struct sigaction sa;
	stack_t st;

	(void)argc;
	(void)argv;
	(void)envp;
	sigaltstack(NULL, &st);
	sigaction(SIGSEGV, NULL, &sa);
	syscall(SYS_getpid);
}

__attribute__((section(".preinit_array"), used)) static void (*const run_early)(int, char **,
									      char **) = early;
