/* Report at process exit while the other threads still exist, then carry
 * on with the real exit so atexit handlers, destructors and stdio flushing
 * all still happen.  main returning goes through __libc_start_main (which
 * calls exit internally, past any wrapper); exit(), _exit() and _Exit()
 * from any thread go through the PLT, and syscall(SYS_exit_group) through
 * our syscall() (ns.c); a destructor catches what all of them miss. */
#include <stdlib.h>

#include "real.h"

static int (*real_main)(int, char **, char **);

static int main_wrapper(int argc, char **argv, char **envp)
{
	return nsp_final_exit(real_main(argc, argv, envp));
}

__attribute__((visibility("default"))) int
__libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
		  void (*init)(void), void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	nsp_real_init();
	real_main = main;
	return nsp_real.libc_start_main(main_wrapper, argc, argv, init, fini, rtld_fini,
					stack_end);
}

__attribute__((visibility("default"))) void exit(int status)
{
	nsp_real_init();
	nsp_real.exit(nsp_final_exit(status));
}

/* _exit and _Exit end the process at once (shells, fork children, test
 * runners): the report comes first, as at exit, and nothing else runs. */
__attribute__((visibility("default"))) void _exit(int status)
{
	nsp_real_init();
	nsp_real._exit(nsp_final_exit(status));
}

__attribute__((visibility("default"))) void _Exit(int status)
{
	nsp_real_init();
	nsp_real._Exit(nsp_final_exit(status));
}

__attribute__((destructor)) static void shim_dtor(void)
{
	nsp_final_exit(-1);
}
