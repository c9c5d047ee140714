/* Threads' namespaces through pidfds instead of /proc links, where the
 * kernel can (Linux 6.13) and the answer is the same: see pidfd.c. */
#ifndef NSP_PIDFD_H
#define NSP_PIDFD_H

#include <stddef.h>
#include <sys/types.h>

#include "namspill.h"

struct nsp_pidfd_scan {
	int on;
	pid_t tgid;
	int keep[NAMSPILL_NS_COUNT]; /* a descriptor of each namespace of ref's, or -1 */
};

/* Whether the nthreads threads of pid (0: this process) after ref, read
 * from /proc, are read through pidfds: 1 or 0.  End it either way. */
int nsp_pidfd_scan_begin(struct nsp_pidfd_scan *s, pid_t pid, size_t nthreads,
			 const struct namspill_task *ref);
/* Thread tid into t: 0; -ESRCH if it is gone; 1 if it is to be read
 * from /proc instead. */
int nsp_pidfd_read_task(const struct nsp_pidfd_scan *s, pid_t tid, const struct namspill_task *ref,
			struct namspill_task *t);
void nsp_pidfd_scan_end(struct nsp_pidfd_scan *s);

#endif
