/* Real functions, resolved once with dlsym(RTLD_NEXT).  The unversioned
 * lookup gives the default version (pthread_create@@GLIBC_2.34 on 2.34+).
 * All are resolved together in the constructor, before the program runs,
 * so no wrapper ever calls dlsym (which may allocate) on a hot path. */
#include <dlfcn.h>

#include "real.h"

struct nsp_real nsp_real;
static _Atomic int resolved;

#define RESOLVE(field, name)                                                           \
	(*(void **)&nsp_real.field =                                                   \
		 nsp_real.field ? (void *)nsp_real.field : nsp_real_dlsym(RTLD_NEXT, name))

NSP_RUNTIME_SAFE void nsp_real_resolve(void)
{
	if (atomic_load_explicit(&resolved, memory_order_acquire))
		return;
	nsp_real_resolve_dl();
	RESOLVE(setns, "setns");
	RESOLVE(unshare, "unshare");
	RESOLVE(syscall, "syscall");
	RESOLVE(pthread_create, "pthread_create");
	RESOLVE(pthread_exit, "pthread_exit");
	RESOLVE(exit, "exit");
	RESOLVE(_exit, "_exit");
	RESOLVE(_Exit, "_Exit");
	RESOLVE(abort, "abort");
	RESOLVE(clone, "clone");
	RESOLVE(dlclose, "dlclose");
	RESOLVE(libc_start_main, "__libc_start_main");
	RESOLVE(sigaction, "sigaction");
	RESOLVE(sigaltstack, "sigaltstack");
	RESOLVE(signal, "signal");
	RESOLVE(sysv_signal, "sysv_signal");
	nsp_libc.sigaction = nsp_real.sigaction;
	nsp_libc.sigaltstack = nsp_real.sigaltstack;
	/* A second copy of the library (LD_PRELOAD naming it twice under two
	 * paths, or a dlopen) only passes calls on: the first one records
	 * and reports, so there is one report per process. */
	if (dlsym(RTLD_DEFAULT, "namspill_version") != (void *)nsp_version)
		atomic_store(&nsp_passive, 1);
	atomic_store_explicit(&resolved, 1, memory_order_release);
}

void nsp_real_init(void)
{
	nsp_real_resolve();
	nsp_init(); /* one load once done; see nsp_init on why it can wait */
}

__attribute__((constructor)) static void shim_ctor(void)
{
	nsp_init_ready();
	nsp_real_init();
}
