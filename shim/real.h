/* The real functions behind our wrappers. */
#ifndef NSP_REAL_H
#define NSP_REAL_H

#include <pthread.h>
#include <signal.h>

#include "base/nstype.h"
#include "base/proc.h"
#include "base/watch.h"
#include "rt/emit.h"
#include "rt/registry.h"
#include "rt/rt.h"
#include "rt/signals.h"
#include "rt/unwind.h"

struct nsp_real {
	int (*setns)(int, int);
	int (*unshare)(int);
	long (*syscall)(long, ...);
	int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	void (*pthread_exit)(void *) __attribute__((noreturn));
	void (*exit)(int) __attribute__((noreturn));
	void (*_exit)(int) __attribute__((noreturn));
	void (*_Exit)(int) __attribute__((noreturn));
	void (*abort)(void) __attribute__((noreturn));
	int (*clone)(int (*)(void *), void *, int, void *, ...);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*sigaltstack)(const stack_t *, stack_t *);
	__sighandler_t (*signal)(int, __sighandler_t);
	__sighandler_t (*sysv_signal)(int, __sighandler_t);
	int (*dlclose)(void *);
	int (*libc_start_main)(int (*)(int, char **, char **), int, char **, void (*)(void),
			       void (*)(void), void (*)(void), void *);
};

extern struct nsp_real nsp_real;

/* libc.c: the C library's default definition of name, from its own
 * symbol table; NULL if not found. */
void *nsp_libc_symbol(const char *name);
/* dl.c: the real dlsym and dlvsym, which everything else is found with. */
extern void *(*nsp_real_dlsym)(void *, const char *);
void nsp_real_resolve_dl(void);

/* Resolves every real function once; cheap to call again. */
void nsp_real_resolve(void);
/* The same, and starts the library (nsp_init) if it has not started. */
void nsp_real_init(void);

#endif
