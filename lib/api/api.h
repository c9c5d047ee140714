/* lib/api: the public API of include/namspill.h.
 *
 * Ordinary code, called by the program's own tests: it may allocate and
 * use stdio, but takes no lock the runtime's recording takes and leaves
 * errno as it found it.  Never called from a signal handler by us. */
#ifndef NSP_API_H
#define NSP_API_H

#include "namspill.h"
#include "report/sym.h"
#include "rt/registry.h"

#define NSP_API_ARENA ((size_t)256 << 20)

/* A thread for good: the kernel reuses a tid only after its thread is
 * gone, and the start time (clock ticks) or our creation sequence then
 * differ.  seq is 0 when the thread has no record (yet). */
struct nsp_tident {
	pid_t tid;
	uint64_t start;
	uint64_t seq;
};

struct namspill_threads {
	size_t n;
	struct nsp_tident t[]; /* sorted by tid */
};

void nsp_tident_sort(struct nsp_tident *t, size_t n);
/* Whether cur is in baseline (sorted). */
int nsp_tident_known(const struct namspill_threads *baseline, const struct nsp_tident *cur);

/* ---- ignore.c: the names a leaked thread can be ignored by */
struct nsp_leak_names {
	pid_t tid;
	const char *top;             /* start routine, NULL if unknown */
	const char *const *creator;  /* functions at the call of pthread_create */
	size_t ncreator;             /* (more than one where it was inlined) */
	const char *const *stack;    /* every function of the creation stack */
	size_t nstack;
};

enum nsp_ignored { NSP_IGN_NONE, NSP_IGN_TID, NSP_IGN_TOP, NSP_IGN_CREATOR, NSP_IGN_STACK };

int nsp_ignore_wants_names(const struct namspill_ignore *ig);
int nsp_ignore_tid(const struct namspill_ignore *ig, pid_t tid);
enum nsp_ignored nsp_ignore_match(const struct namspill_ignore *ig,
				  const struct nsp_leak_names *t);

/* ---- leaks_text.c */
struct nsp_leak {
	struct namspill_task task;
	const struct nsp_thread *rec; /* NULL: not created through our wrapper */
};

struct nsp_leaks {
	pid_t pid;
	size_t nthreads, nignored, n;
	struct nsp_verdict verdict;
	struct nsp_leak *v;
};

void nsp_write_leaks(struct nsp_out *o, const struct nsp_leaks *l, struct nsp_sym *s);

#endif
