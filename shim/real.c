/* Real functions, found as dlsym(RTLD_NEXT) would (the default version:
 * pthread_create@@GLIBC_2.34 on 2.34+), from the loader's list of objects
 * (libc.c) and by dlsym only where that cannot say.  Each is looked up at
 * its wrapper's first call (NSP_REAL): a lookup reads only memory the
 * loader set up (no lock, no allocation), so it is safe in a signal
 * handler, a vfork child or before our constructor, and a process pays
 * only for the wrappers it calls (most call two: __libc_start_main and
 * exit).  Where the list cannot answer (this library dlopen'ed, or more
 * objects than read), every one is found by dlsym in the constructor at
 * the latest, so no wrapper ever calls dlsym (which may allocate) on a
 * hot path. */
#include <dlfcn.h>

#include "real.h"

struct nsp_real nsp_real;
static _Atomic int resolved;
/* The objects of start-up, read once: they stay loaded for good. */
static struct nsp_scope scope;
static _Atomic int scope_state; /* 0 not read, 1 being read, 2 read */

NSP_STARTUP NSP_RUNTIME_SAFE static const struct nsp_scope *scope_of_startup(void)
{
	int zero = 0;

	if (atomic_load_explicit(&scope_state, memory_order_acquire) == 2)
		return &scope;
	if (atomic_compare_exchange_strong(&scope_state, &zero, 1)) {
		nsp_scope_read(&scope);
		atomic_store_explicit(&scope_state, 2, memory_order_release);
		return &scope;
	}
	return NULL; /* read by another thread right now: dlsym answers */
}

NSP_STARTUP NSP_RUNTIME_SAFE void *nsp_real_lookup(void **slot, const char *name)
{
	const struct nsp_scope *sc = scope_of_startup();
	void *p = sc ? nsp_scope_next(sc, name) : NULL;

	if (!p) {
		nsp_real_resolve_dl();
		p = nsp_real_dlsym(RTLD_NEXT, name);
	}
	atomic_store_explicit((_Atomic(void *) *)slot, p, memory_order_release);
	return p;
}

/* Every real function now, whatever it costs. */
NSP_RUNTIME_SAFE void nsp_real_resolve_all(void)
{
#define ALL(field, name) (void)NSP_REAL_NAMED(field, name)
	ALL(setns, "setns");
	ALL(unshare, "unshare");
	ALL(syscall, "syscall");
	ALL(pthread_create, "pthread_create");
	ALL(pthread_exit, "pthread_exit");
	ALL(exit, "exit");
	ALL(_exit, "_exit");
	ALL(_Exit, "_Exit");
	ALL(abort, "abort");
	ALL(clone, "clone");
	ALL(dlclose, "dlclose");
	ALL(libc_start_main, "__libc_start_main");
	ALL(sigaction, "sigaction");
	ALL(sigaltstack, "sigaltstack");
	ALL(signal, "signal");
	ALL(sysv_signal, "sysv_signal");
#undef ALL
}

/* What the runtime needs of the C library before anything else, and
 * whether this copy is the one that records. */
NSP_STARTUP NSP_RUNTIME_SAFE void nsp_real_resolve(void)
{
	const struct nsp_scope *sc;
	void *start;
	int before;

	if (atomic_load_explicit(&resolved, memory_order_acquire))
		return;
	sc = scope_of_startup();
	/* The list answers where the C library comes after us (a preload, or
	 * a library the program was linked with).  Where it does not (this
	 * library dlopen'ed: the C library was loaded before it) every real
	 * function is found by dlsym now, not at a first call that may come
	 * in a signal handler.  The start-up function is looked up either
	 * way: a preloaded library needs it next. */
	start = sc ? nsp_scope_next(sc, "__libc_start_main") : NULL;
	if (start)
		atomic_store_explicit((_Atomic(void *) *)&nsp_real.libc_start_main, start,
				      memory_order_release);
	else
		nsp_real_resolve_all(); /* dlsym for each: now, not on a hot path */
	nsp_libc.sigaction = NSP_REAL(sigaction);
	nsp_libc.sigaltstack = NSP_REAL(sigaltstack);
	/* A second copy of the library (LD_PRELOAD naming it twice under two
	 * paths, or a dlopen) only passes calls on: the first one records
	 * and reports, so there is one report per process. */
	before = sc ? nsp_scope_before(sc, "namspill_version") : -1;
	if (before > 0 ||
	    (before < 0 && dlsym(RTLD_DEFAULT, "namspill_version") != (void *)nsp_version))
		atomic_store(&nsp_passive, 1);
	atomic_store_explicit(&resolved, 1, memory_order_release);
}

NSP_STARTUP void nsp_real_init(void)
{
	nsp_real_resolve();
	nsp_init(); /* one load once done; see nsp_init on why it can wait */
}

NSP_STARTUP __attribute__((constructor)) static void shim_ctor(void)
{
	nsp_init_ready();
	nsp_real_init();
}
