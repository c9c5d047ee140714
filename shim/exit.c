/* Report at process exit while the other threads still exist, then carry
 * on with the real exit so atexit handlers, destructors and stdio flushing
 * all still happen.  main returning goes through __libc_start_main (which
 * calls exit internally, past any wrapper); exit(), _exit() and _Exit()
 * from any thread go through the PLT, and syscall(SYS_exit_group) through
 * our syscall() (ns.c); a destructor catches what all of them miss. */
#include <stdlib.h>

#include "real.h"

static int (*real_main)(int, char **, char **);

NSP_STARTUP static int main_wrapper(int argc, char **argv, char **envp)
{
	return nsp_final_exit(real_main(argc, argv, envp));
}

NSP_STARTUP __attribute__((visibility("default"))) int
__libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
		  void (*init)(void), void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	nsp_real_init();
	real_main = main;
	return NSP_REAL_NAMED(libc_start_main, "__libc_start_main")(main_wrapper, argc, argv, init, fini, rtld_fini,
					stack_end);
}

NSP_STARTUP __attribute__((visibility("default"))) void exit(int status)
{
	nsp_real_init();
	NSP_REAL(exit)(nsp_final_exit(status));
}

/* _exit and _Exit end the process at once (shells, fork children, test
 * runners): the report comes first, as at exit, and nothing else runs. */
NSP_STARTUP __attribute__((visibility("default"))) void _exit(int status)
{
	nsp_real_init();
	NSP_REAL(_exit)(nsp_final_exit(status));
}

NSP_STARTUP __attribute__((visibility("default"))) void _Exit(int status)
{
	nsp_real_init();
	NSP_REAL(_Exit)(nsp_final_exit(status));
}

NSP_STARTUP __attribute__((destructor)) static void shim_dtor(void)
{
	nsp_final_exit(-1);
}
