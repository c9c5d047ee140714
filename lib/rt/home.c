/* Reports taken from home.  A thread that moved to a mount namespace of
 * its own may see another /proc there (or none), and other files at the
 * log path; the library holds no descriptor of the start-up /proc or log
 * directory (the program may list, count or close its descriptors).  So
 * a report asked on such a thread is taken by a helper task that moves to
 * where most of the process's threads are, and the thread waits for it.
 *
 * The helper is a bare clone() in the thread group: it shares our memory,
 * descriptors and thread pointer (the waiting thread's, unused while it
 * waits), not the filesystem context, which setns() needs unshared.  It
 * first joins, through a pidfd (no /proc needed), the mount namespace of
 * a thread that never moved its mounts, or of the main thread, then,
 * reading /proc there, the one most threads are in; where that is not
 * the namespace the process started in (every thread moved), its
 * parent's, if the parent is still there.  It is left out of every list of threads (nsp_proc_hide_slot), blocks
 * every signal, and its setns calls carry the watch key, so namspill's
 * supervisor takes none of this for the program's.  Where it cannot be
 * started (valgrind, a seccomp filter that is not ours, no memory) the
 * report is taken in place, from the thread's own view. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

#include "base/fmt.h"
#include "base/helpers.h"
#include "base/nstype.h"
#include "base/proc.h"
#include "base/watch.h"
#include "rt/home.h"
#include "rt/registry.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* Linux 6.9 */
#endif

#define STACK_SIZE (256 << 10)
#define MAX_SEEN 8 /* distinct mount namespaces counted */

struct job {
	void (*fn)(void *);
	void *arg;
	int how; /* NSP_HELPER_* */
	_Atomic pid_t running; /* cleared by the kernel when the helper ends */
};

int nsp_home_away(void)
{
	return (nsp_self_kinds() & nsp_kinds_of_flags(CLONE_NEWNS)) != 0;
}

/* Whether a seccomp filter not ours may kill us for the clone: as
 * /proc says now, else (hidden here) as it said at the thread's first
 * move to another mount namespace. */
static _Atomic int filtered_at_move = -1;

void nsp_home_note_move(void)
{
	int unset = -1;

	if (atomic_load_explicit(&filtered_at_move, memory_order_relaxed) == -1)
		atomic_compare_exchange_strong(&filtered_at_move, &unset, nsp_seccomp_state() != 0);
}

/* The mount namespace the process started in (its inode), read once,
 * before its first move to another: 0 until then, or if /proc could not
 * say (a fork child has its parent's: the same, or read by the parent
 * before the move it inherited). */
static _Atomic uint64_t start_mnt;
static _Atomic int start_read;

void nsp_home_before_move(void)
{
	uint64_t ino;

	if (atomic_load_explicit(&start_read, memory_order_relaxed) ||
	    atomic_exchange(&start_read, 1))
		return;
	if (!nsp_proc_thread_ns(NAMSPILL_NS_MNT, &ino))
		atomic_store_explicit(&start_mnt, ino, memory_order_relaxed);
}

static int seccomp_in_the_way(void)
{
	int st = nsp_seccomp_state();

	return st >= 0 ? st : atomic_load(&filtered_at_move) != 0;
}

static long raw(long nr, long a, long b, long c)
{
	return nsp_raw_syscall(nr, a, b, c, 0);
}

static int enter(int fd)
{
	return nsp_watch_syscall(SYS_setns, fd, CLONE_NEWNS, 0, nsp_opt.watch) == 0 ? 0 : -1;
}

/* The mount namespace of task NAME (a tid) under /proc/self/task. */
static int mnt_of(int taskdir, const char *name, uint64_t *ino)
{
	char path[NSP_NUM_MAX + 16];
	struct stat st;

	if (strlen(name) >= NSP_NUM_MAX)
		return -1;
	strcat(strcpy(path, name), "/ns/mnt");
	if (fstatat(taskdir, path, &st, 0))
		return -1;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

static int is_tid(const char *name, pid_t *tid)
{
	const char *p = name, *end = name + strlen(name);
	uint64_t v;

	if (nsp_parse_dec(&p, end, &v) <= 0 || p != end || !v || v > INT32_MAX)
		return 0;
	*tid = (pid_t)v;
	return 1;
}

/* The mount namespace most threads are in, as /proc shows it from here
 * (the helper left out): one of its threads in tid; -1 if /proc cannot
 * be read. */
static int majority(int taskdir, char tid[NSP_NUM_MAX], uint64_t *ino)
{
	struct {
		uint64_t ino;
		size_t count;
		char tid[NSP_NUM_MAX];
	} seen[MAX_SEEN];
	char dents[4096];
	size_t nseen = 0, best = 0;
	pid_t me = nsp_proc_self_tid(), t;
	long got;

	while ((got = raw(SYS_getdents64, taskdir, (long)dents, sizeof(dents))) > 0) {
		for (long off = 0; off < got;) {
			const char *name = dents + off + 19; /* d_name of a linux_dirent64 */
			unsigned short reclen;
			uint64_t i;
			size_t k;

			memcpy(&reclen, dents + off + 16, sizeof(reclen));
			off += reclen;
			if (!is_tid(name, &t) || t == me || mnt_of(taskdir, name, &i))
				continue;
			for (k = 0; k < nseen && seen[k].ino != i; k++)
				;
			if (k == nseen) {
				if (nseen == MAX_SEEN)
					continue;
				seen[nseen].ino = i;
				seen[nseen].count = 0;
				strcpy(seen[nseen++].tid, name);
			}
			if (++seen[k].count > seen[best].count)
				best = k;
		}
	}
	if (!nseen)
		return -1;
	strcpy(tid, seen[best].tid);
	*ino = seen[best].ino;
	return 0;
}

/* A pidfd of a thread at home: one that never moved its mounts (as far as
 * the records say), else the main thread. */
static long pidfd_of_home(void)
{
	uint32_t pos = 0;
	pid_t t;
	long fd;

	while ((t = nsp_thread_unmoved(nsp_kinds_of_flags(CLONE_NEWNS), &pos)) > 0)
		if ((fd = raw(SYS_pidfd_open, t, PIDFD_THREAD, 0)) >= 0)
			return fd;
	return raw(SYS_pidfd_open, getpid(), 0, 0);
}

/* Whether the helper is where the process started (unknown: yes). */
static int at_start(void)
{
	uint64_t start = atomic_load_explicit(&start_mnt, memory_order_relaxed), here;

	return !start || (!nsp_proc_thread_ns(NAMSPILL_NS_MNT, &here) && here == start);
}

/* Every thread moved (the whole process went to a mount namespace of its
 * own, as a container's first process does): the parent's, if that is
 * where the process started; else back where the helper was. */
static void parents_home(void)
{
	long back = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	long fd = raw(SYS_pidfd_open, getppid(), 0, 0);

	if (fd >= 0) {
		enter((int)fd);
		close((int)fd);
	}
	if (!at_start() && back >= 0)
		enter((int)back);
	if (back >= 0)
		close((int)back);
}

static void go_home(void)
{
	char tid[NSP_NUM_MAX + 8], me[NSP_NUM_MAX];
	uint64_t home, here;
	long fd = pidfd_of_home();
	int taskdir;

	/* That thread's namespace first: /proc may be hidden here.  (A
	 * kernel before 6.9 has no pidfd of a thread: the main thread's.) */
	if (fd >= 0) {
		enter((int)fd);
		close((int)fd);
	}
	taskdir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (taskdir < 0)
		return;
	me[nsp_fmt_dec(me, (uint64_t)nsp_proc_self_tid())] = 0;
	if (!majority(taskdir, tid, &home) && !mnt_of(taskdir, me, &here) && home != here) {
		strcat(tid, "/ns/mnt");
		fd = openat(taskdir, tid, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			enter((int)fd);
			close((int)fd);
		}
	}
	close(taskdir);
	if (!at_start())
		parents_home();
}

/* Descriptors a report may hold at once: /proc directories and files,
 * a pidfd and namespaces per helper, the held namespaces, the log file,
 * the frame-naming helper's pipes. */
#define REPORT_FDS 64

/* The process holds all the descriptors its limit allows: this helper
 * takes a table of its own (a copy, CLOSE_RANGE_UNSHARE) and closes, in
 * it alone, the highest of them, above stdin, stdout and stderr.  The
 * program's table, and every file in it, stays as it was. */
static void make_room(void)
{
	struct rlimit rl;
	unsigned long lo = 3;

	if (!nsp_raw_syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, (long)&rl) &&
	    rl.rlim_cur > REPORT_FDS + 3 && rl.rlim_cur <= UINT32_MAX)
		lo = (unsigned long)rl.rlim_cur - REPORT_FDS;
	raw(SYS_close_range, (long)lo, (long)~0u, CLOSE_RANGE_UNSHARE);
	/* A limit that small (3, 4...): stdin, and stdout where the report
	 * does not go, are given up here too; stderr stays for our word. */
	if (lo == 3) {
		raw(SYS_close, 0, 0, 0);
		if (nsp_log_stream(&nsp_opt) != 1)
			raw(SYS_close, 1, 0, 0);
	}
}

static void helper_main(void *p)
{
	struct job *j = p;

	if (j->how & NSP_HELPER_ROOM)
		make_room();
	if (j->how & NSP_HELPER_HOME)
		go_home();
	j->fn(j->arg);
}

/* Other reports may run at once (each thread away takes its own report
 * signal): each helper is hidden in a slot of its own; with none free,
 * the report is taken in place. */
int nsp_helper_run(void (*fn)(void *), void *arg, int how)
{
	struct job j = { fn, arg, how, -1 };
	_Atomic pid_t *slot;
	sigset_t all, old;
	char *stack;
	long t;

	if (nsp_under_valgrind() || seccomp_in_the_way() || !(slot = nsp_proc_hide_slot()))
		return -1;
	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		nsp_proc_unhide(slot);
		return -1;
	}
	sigfillset(&all);
	nsp_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, _NSIG / 8);
	t = nsp_clone_run(CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
				  CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
			  stack, STACK_SIZE, helper_main, &j, slot, &j.running);
	nsp_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, _NSIG / 8);
	if (t > 0) {
		pid_t cur;
		while ((cur = atomic_load_explicit(&j.running, memory_order_acquire)) != 0)
			nsp_raw_syscall(SYS_futex, (long)&j.running, FUTEX_WAIT, cur, 0);
	}
	nsp_proc_unhide(slot);
	munmap(stack, STACK_SIZE);
	return t > 0 ? 0 : -1;
}

int nsp_home_run(void (*fn)(void *), void *arg)
{
	return nsp_helper_run(fn, arg, NSP_HELPER_HOME);
}

int nsp_fds_full(void)
{
	long fd = raw(SYS_openat, AT_FDCWD, (long)"/", O_PATH | O_CLOEXEC);

	if (fd >= 0)
		raw(SYS_close, fd, 0, 0);
	return fd == -EMFILE;
}
