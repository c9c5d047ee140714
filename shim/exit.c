/* Report at process exit while the other threads still exist, then carry
 * on with the real exit so atexit handlers, destructors and stdio flushing
 * all still happen.  main returning goes through __libc_start_main (which
 * calls exit internally, past any wrapper); exit() from any thread goes
 * through the PLT; a destructor catches what both miss. */
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

__attribute__((destructor)) static void shim_dtor(void)
{
	nsp_final_exit(-1);
}
