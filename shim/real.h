/* The real functions behind our wrappers. */
#ifndef NSP_REAL_H
#define NSP_REAL_H

#include <link.h>
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
/* The objects of start-up and their symbol tables, for lookups without
 * the loader (libc.c). */
#define NSP_SCOPE_MAX 32
struct nsp_symtab {
	const ElfW(Sym) *sym;
	const char *str;
	const uint32_t *gh;
	const ElfW(Half) *versym;
	uintptr_t base;
};
struct nsp_scope {
	struct nsp_symtab t[NSP_SCOPE_MAX];
	size_t n;
	int ours;  /* this library's index, -1 if not found */
	int whole; /* every object was read */
};
void nsp_scope_read(struct nsp_scope *sc);
/* The definition dlsym(RTLD_NEXT, name) would give us while only the
 * objects of start-up are loaded; NULL if that cannot be said. */
void *nsp_scope_next(const struct nsp_scope *sc, const char *name);
/* 1 if an object before this library defines name, 0 if none, -1 if
 * that cannot be said. */
int nsp_scope_before(const struct nsp_scope *sc, const char *name);
/* dl.c: the real dlsym and dlvsym, which everything else is found with. */
extern void *(*nsp_real_dlsym)(void *, const char *);
void nsp_real_resolve_dl(void);

/* The real function of a field, looked up at its first use and kept in
 * slot; NSP_REAL_NAMED for a field named other than its function. */
void *nsp_real_lookup(void **slot, const char *name);
#define NSP_REAL_NAMED(field, name)                                                     \
	((__typeof__(nsp_real.field))(                                                  \
		atomic_load_explicit((_Atomic(void *) *)&nsp_real.field,                \
				     memory_order_acquire) ?:                           \
			nsp_real_lookup((void **)&nsp_real.field, name)))
#define NSP_REAL(field) NSP_REAL_NAMED(field, #field)
/* Every one of them at once (dl.c compares addresses with all). */
void nsp_real_resolve_all(void);

/* What must be known before anything (the signal functions, whether this
 * copy records); cheap to call again. */
void nsp_real_resolve(void);
/* The same, and starts the library (nsp_init) if it has not started. */
void nsp_real_init(void);

#endif
