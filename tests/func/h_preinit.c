/* A program whose preinit_array calls wrapped functions before libc has
 * set environ, as a sanitizer runtime does when it starts (sigaltstack,
 * sigaction; syscall() starts the library); then the plain uts spill of
 * h_leak.  The options must still be read. */
#include "common.h"
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

int main(void)
{
	pthread_t t[3];

	need_namespaces();
	pthread_barrier_init(&ready, NULL, 4);
	pthread_create(&t[0], NULL, uts_leaker, NULL);
	pthread_create(&t[1], NULL, bystander, NULL);
	pthread_create(&t[2], NULL, bystander, NULL);
	pthread_barrier_wait(&ready);
	return 0;
}
