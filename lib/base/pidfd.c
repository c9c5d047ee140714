/* Threads' namespaces through pidfds, for the large reports.  Each link of
 * /proc/PID/task/TID/ns costs the kernel a new dentry and inode the first
 * time it is looked up, and a report reads seven of them for every thread:
 * with ten thousand threads that is most of the report.  A thread's pidfd
 * (Linux 6.9) opens each of its namespaces by ioctl (6.11), and opening a
 * namespace a descriptor already holds open costs no new inode: so one
 * descriptor of each namespace of the first thread is held for the whole
 * scan, and the others cost a pidfd, an ioctl, an fstat and a close each.
 * Measured on 10,000 threads (Linux 6.18): about half the CPU time.
 *
 * Used only where the answer is the same as /proc's: the thread ids /proc
 * lists are those of our own pid namespace (NSpid has one entry), a
 * pidfd's PIDFD_GET_INFO (6.13) confirms each thread still belongs to the
 * process (a tid reused by another process is not read), and no seccomp
 * filter other than ours may refuse or kill the new system calls.  Any
 * other failure sends that thread back to /proc.  Raw system calls only:
 * it runs on the report's helper threads. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/helpers.h"
#include "base/nstype.h"
#include "base/pidfd.h"
#include "base/proc.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* From linux/pidfd.h (6.13), which the C library's headers may predate. */
struct pidfd_info_v0 {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid, spare0;
};
#define PIDFS_IOCTL 0xFF
#define PIDFD_INFO_PID_BIT 1ul
#define GET_INFO (_IOC(_IOC_READ | _IOC_WRITE, PIDFS_IOCTL, 11, sizeof(struct pidfd_info_v0)))
/* PIDFD_GET_<TYPE>_NAMESPACE: 1 to 10, in the order of nsp_ns_names. */
#define GET_NS(type) (_IOC(_IOC_NONE, PIDFS_IOCTL, (type) + 1, 0))

#define THREADS_WORTH_IT 64

static long raw(long nr, long a, long b, long c)
{
	return nsp_raw_syscall(nr, a, b, c, 0);
}

/* pid's thread group id, as the pidfd says: negative errno if it has
 * none any more or the kernel cannot say. */
static long tgid_of(long pidfd)
{
	struct pidfd_info_v0 info;
	long e;

	memset(&info, 0, sizeof(info));
	info.mask = PIDFD_INFO_PID_BIT;
	e = raw(SYS_ioctl, pidfd, (long)GET_INFO, (long)&info);
	return e < 0 ? e : (long)info.tgid;
}

/* A namespace of the thread behind pidfd: 0 or a negative errno.  With
 * keep, the descriptor stays open (the caller closes it). */
static int ns_of(long pidfd, int type, struct namspill_nsid *id, int *keep)
{
	struct stat st;
	long fd = raw(SYS_ioctl, pidfd, (long)GET_NS(type), 0);

	if (fd < 0)
		return (int)fd;
	if (raw(SYS_fstat, fd, (long)&st, 0) < 0) {
		raw(SYS_close, fd, 0, 0);
		return -EIO;
	}
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	if (keep)
		*keep = (int)fd;
	else
		raw(SYS_close, fd, 0, 0);
	return 0;
}

uint64_t nsp_pidfd_ino(int pidfd)
{
	struct statfs fs;
	struct stat st;

	if (raw(SYS_fstatfs, pidfd, (long)&fs, 0) || fs.f_type != NSP_PIDFS_MAGIC ||
	    raw(SYS_fstat, pidfd, (long)&st, 0))
		return 0;
	return (uint64_t)st.st_ino;
}

uint64_t nsp_pidns_below_host(const char *ns_pid)
{
	struct stat st;

	if (nsp_raw_syscall(SYS_newfstatat, AT_FDCWD, (long)ns_pid, (long)&st, 0) ||
	    st.st_ino == NSP_PROC_PID_INIT_INO)
		return 0;
	return (uint64_t)st.st_ino;
}

struct probe {
	pid_t caller;
	uint64_t ino;
};

static void probe_part(void *arg, int part, int parts)
{
	struct probe *p = arg;
	long self = raw(SYS_gettid, 0, 0, 0), pidfd;

	(void)parts;
	/* Part 1 is the new task's, unless helpers cannot be made here (the
	 * parts then run in turn on the caller, whose pid is older). */
	if (part != 1 || self == p->caller || (pidfd = raw(SYS_pidfd_open, self, PIDFD_THREAD, 0)) < 0)
		return;
	p->ino = nsp_pidfd_ino((int)pidfd);
	raw(SYS_close, pidfd, 0, 0);
}

uint64_t nsp_pidfd_now(struct nsp_arena *a, size_t nthreads)
{
	struct probe p = { (pid_t)raw(SYS_gettid, 0, 0, 0), 0 };

	/* Too few threads for pidfds (a scan's first is read from /proc);
	 * numbers that may wrap; a filter that may kill for a clone. */
	if (nthreads < THREADS_WORTH_IT + 1 || sizeof(ino_t) < 8 || nsp_seccomp_state() != 0)
		return 0;
	/* The helper's stack stays taken: a checker such as valgrind holds a
	 * thread's stack out of bounds once it has ended. */
	nsp_run_parts(a, 2, probe_part, &p);
	return p.ino;
}

/* A thread whose pidfd is pidfd, read: counted if its pid is older than
 * s->born_by.  The scan's pidfds are pidfs's (PIDFD_GET_INFO answered),
 * and so was the mark's: an fstat says. */
static void count_born(struct nsp_pidfd_scan *s, long pidfd)
{
	struct stat st;

	if (s->born_by && !raw(SYS_fstat, pidfd, (long)&st, 0) && st.st_ino &&
	    (uint64_t)st.st_ino <= s->born_by)
		atomic_fetch_add_explicit(&s->born_before, 1, memory_order_relaxed);
}

/* /proc's thread ids are ours: NSpid names one pid namespace only. */
static int proc_is_ours(void)
{
	char buf[4096];
	ssize_t n = nsp_proc_read(0, "status", buf, sizeof(buf));

	if (n <= 0 || n == (ssize_t)sizeof(buf))
		return 0;
	return nsp_status_count(buf, (size_t)n, "NSpid") <= 1; /* -ENOENT: no pid namespaces */
}

/* Types read per thread: the others come from ref (lib/base/proc.c). */
static int per_thread(const struct namspill_task *ref, int type)
{
	return ref->ns[type].ino && !nsp_ns_per_process(type);
}

int nsp_pidfd_scan_begin(struct nsp_pidfd_scan *s, pid_t pid, size_t nthreads,
			 const struct namspill_task *ref)
{
	long pidfd;
	int ok = 1;

	for (int i = 0; i < NAMSPILL_NS_COUNT; i++)
		s->keep[i] = -1;
	s->on = 0;
	atomic_store(&s->born_before, 0);
	if (nthreads < THREADS_WORTH_IT || nsp_seccomp_state() != 0 || !proc_is_ours())
		return 0;
	/* pid may be any thread of the process (/proc/TID/task lists them
	 * all): its thread group is the one the others must belong to. */
	if (!pid)
		s->tgid = (pid_t)raw(SYS_getpid, 0, 0, 0);
	else if ((pidfd = raw(SYS_pidfd_open, pid, PIDFD_THREAD, 0)) >= 0) {
		s->tgid = (pid_t)tgid_of(pidfd);
		raw(SYS_close, pidfd, 0, 0);
	} else
		return 0;
	if (s->tgid <= 0 || (pidfd = raw(SYS_pidfd_open, ref->tid, PIDFD_THREAD, 0)) < 0)
		return 0;
	ok = tgid_of(pidfd) == s->tgid;
	for (int i = 0; ok && i < NAMSPILL_NS_COUNT; i++) {
		struct namspill_nsid id;
		if (!per_thread(ref, i) || ref->ns[i].dev == NAMSPILL_NS_PENDING)
			continue;
		/* The same namespace as /proc said, or the ref moved meanwhile:
		 * then /proc for all. */
		ok = !ns_of(pidfd, i, &id, &s->keep[i]) && id.ino == ref->ns[i].ino &&
		     id.dev == ref->ns[i].dev;
	}
	if (ok)
		count_born(s, pidfd);
	raw(SYS_close, pidfd, 0, 0);
	if (!ok)
		nsp_pidfd_scan_end(s);
	return s->on = ok;
}

int nsp_pidfd_read_task(struct nsp_pidfd_scan *s, pid_t tid, const struct namspill_task *ref,
			struct namspill_task *t)
{
	long pidfd = raw(SYS_pidfd_open, tid, PIDFD_THREAD, 0), tgid;
	int e = 0;

	if (pidfd < 0)
		return pidfd == -ESRCH ? -ESRCH : 1;
	tgid = tgid_of(pidfd);
	if (tgid != s->tgid) {
		raw(SYS_close, pidfd, 0, 0);
		/* Gone, or its tid already another process's. */
		return tgid == -ESRCH || tgid >= 0 ? -ESRCH : 1;
	}
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	for (int i = 0; !e && i < NAMSPILL_NS_COUNT; i++) {
		if (!per_thread(ref, i)) {
			t->ns[i] = ref->ns[i];
			continue;
		}
		e = ns_of(pidfd, i, &t->ns[i], NULL);
		/* A pid namespace for children that differs may be one with no
		 * process yet, which /proc names pending: ask /proc. */
		if (!e && i == NAMSPILL_NS_PID_FOR_CHILDREN &&
		    (t->ns[i].ino != ref->ns[i].ino || t->ns[i].dev != ref->ns[i].dev))
			e = 1;
	}
	if (!e)
		count_born(s, pidfd);
	raw(SYS_close, pidfd, 0, 0);
	return e == -ESRCH ? -ESRCH : e ? 1 : 0;
}

void nsp_pidfd_scan_end(struct nsp_pidfd_scan *s)
{
	for (int i = 0; i < NAMSPILL_NS_COUNT; i++)
		if (s->keep[i] >= 0) {
			raw(SYS_close, s->keep[i], 0, 0);
			s->keep[i] = -1;
		}
	s->on = 0;
}
