/* The real functions behind our wrappers. */
#ifndef NSP_REAL_H
#define NSP_REAL_H

#include <pthread.h>

#include "nsp.h"

struct nsp_real {
	int (*setns)(int, int);
	int (*unshare)(int);
	long (*syscall)(long, ...);
	int (*pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	void (*pthread_exit)(void *) __attribute__((noreturn));
	void (*exit)(int) __attribute__((noreturn));
	int (*clone)(int (*)(void *), void *, int, void *, ...);
	int (*libc_start_main)(int (*)(int, char **, char **), int, char **, void (*)(void),
			       void (*)(void), void (*)(void), void *);
};

extern struct nsp_real nsp_real;

/* Resolves every real function once; cheap to call again. */
void nsp_real_init(void);

#endif
