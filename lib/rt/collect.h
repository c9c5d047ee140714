/* The report of this process: the verdict from /proc, the causes from the
 * registry's records. */
#ifndef NSP_COLLECT_H
#define NSP_COLLECT_H

#include "rt/registry.h"

/* Copies of the thread records, by tid: the record of a live tid is the
 * running one, the newest if several claim it (tids are reused). */
struct nsp_recmap {
	struct nsp_thread *rec; /* copies */
	size_t n, cap;
	uint32_t *slot; /* open addressing by tid: index + 1 */
	size_t starting; /* created, not yet bound to their tid */
};

int nsp_recmap_build(struct nsp_recmap *m, struct nsp_arena *a);
const struct nsp_thread *nsp_recmap_find(const struct nsp_recmap *m, pid_t tid);

/* The recorded call r as a cause; 0, or -ESRCH if it is gone. */
int nsp_event_cause(nsp_ref r, struct nsp_cause *c);

/* This process's report, causes included, asked on thread tid (alive
 * while it is taken): 0 or a negative errno (also in r->proc_err). */
int nsp_report_collect(struct nsp_report *r, struct nsp_arena *a, pid_t tid,
		       enum nsp_trigger trigger, int signo);

#endif
