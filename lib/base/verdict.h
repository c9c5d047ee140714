/* The verdict: per namespace type, the namespace most threads are in. */
#ifndef NSP_VERDICT_H
#define NSP_VERDICT_H

#include "namspill.h"
#include "base/base.h"

struct nsp_verdict {
	struct namspill_nsid majority[NAMSPILL_NS_COUNT];
	size_t count[NAMSPILL_NS_COUNT]; /* threads in the majority namespace */
};

/* Bytes of scratch nsp_majority() needs for n threads. */
size_t nsp_majority_work(size_t n);
void nsp_majority(const struct namspill_task *t, size_t n, pid_t main_tid,
		  struct nsp_verdict *v, void *work);
int nsp_spilled(const struct namspill_task *t, const struct nsp_verdict *v, int type);

#endif
