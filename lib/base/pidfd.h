/* Threads' namespaces through pidfds instead of /proc links, where the
 * kernel can (Linux 6.13) and the answer is the same: see pidfd.c. */
#ifndef NSP_PIDFD_H
#define NSP_PIDFD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/arena.h"
#include "namspill.h"

struct nsp_pidfd_scan {
	int on;
	pid_t tgid;
	int keep[NAMSPILL_NS_COUNT]; /* a descriptor of each namespace of ref's, or -1 */
	/* With born_by (a pidfs inode number, see nsp_pidfd_now): the threads
	 * read whose pid was made no later than that one, ref included. */
	uint64_t born_by;
	_Atomic size_t born_before;
};

/* The kernel's pid namespace inode (linux/proc_ns.h) and pidfs's magic. */
#define NSP_PROC_PID_INIT_INO 0xEFFFFFFCu
#define NSP_PIDFS_MAGIC 0x50494446

/* The inode number of pidfd in pidfs (Linux 6.9: one per pid, never
 * given to another), or 0. */
uint64_t nsp_pidfd_ino(int pidfd);
/* The inode of the pid namespace at ns_pid (a /proc/.../ns/pid path), or
 * 0 in the host's first one or where it cannot be read. */
uint64_t nsp_pidns_below_host(const char *ns_pid);
/* The pidfs inode number of a pid made now (a helper's), or 0, for a
 * scan of nthreads threads (0 where pidfds would not be used).  The
 * kernel numbers each pid as it makes it (Linux 6.9 on), one after the
 * other: a thread whose pidfd's inode number is at most this one was made
 * before this call. */
uint64_t nsp_pidfd_now(struct nsp_arena *a, size_t nthreads);
/* Whether the nthreads threads of pid (0: this process) after ref, read
 * from /proc, are read through pidfds: 1 or 0.  End it either way. */
int nsp_pidfd_scan_begin(struct nsp_pidfd_scan *s, pid_t pid, size_t nthreads,
			 const struct namspill_task *ref);
/* Thread tid into t: 0; -ESRCH if it is gone; 1 if it is to be read
 * from /proc instead. */
int nsp_pidfd_read_task(struct nsp_pidfd_scan *s, pid_t tid, const struct namspill_task *ref,
			struct namspill_task *t);
void nsp_pidfd_scan_end(struct nsp_pidfd_scan *s);

#endif
