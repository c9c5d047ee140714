/* The supervisor (see watch.h).  One thread receives the tree's stops,
 * each as soon as it comes (the filter waits killably once a stop is
 * received: before that, a signal can restart the system call, or make it
 * fail with EINTR), and handles and answers them in order; namspill's
 * main thread goes on reaping and forwarding signals (run.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fmt.h"
#include "base/watch.h"
#include "report/supp.h"
#include "watched.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

#define BUCKETS 4096
#define PROGRAMS 64
#define MAX_REPORT ((size_t)256 << 20) /* a report handed over, at most */
#define MAX_ARGV 4096

struct watch {
	int listener;
	_Atomic int stopping; /* set by watch_finish, which then wakes the receiver */
	uint64_t key;
	int quiet;
	char told_filter[2][16]; /* the last program warned of: a tracer's filter, a listener */
	size_t nsize, rsize; /* the kernel's sizes of a stop and of an answer */
	struct keeper_shared *shared;
	pthread_t receiver;
	/* Held while a stop is handled: the process table is also written
	 * by the main thread (watch_reaped, watch_finish). */
	pthread_mutex_t lock;
	/* What was seen. */
	struct wproc *procs, *last;
	struct wproc *bucket[BUCKETS]; /* by pid, newest first */
	pid_t root;
	uint64_t seq;
	struct nsp_supp rules;
	int unprivileged_said;
	uid_t uid; /* namspill's own */
	/* Until a process of the tree moves (a switch, stopped or told, or a
	 * clone into new namespaces), all live where the first exec was:
	 * those namespaces, read once, stand for every process's. */
	int moved, have_first;
	uint64_t first_ns[NAMSPILL_NS_COUNT];
	/* Programs asked whether they are pure Go (judge), by file (an inode
	 * number freed and reused comes with another time or size). */
	struct { dev_t dev; ino_t ino; off_t size; struct timespec mtime; int go; } programs[PROGRAMS];
	unsigned nprograms;
};

/* ---- the process table */

/* The newest entry of a pid (a pid freed by an ended process may be
 * reused by another): a table by pid, so a stop costs the same with ten
 * processes seen or a hundred thousand. */
static struct wproc *proc_find(struct watch *w, pid_t pid)
{
	for (struct wproc *p = w->bucket[(unsigned)pid % BUCKETS]; p; p = p->same)
		if (p->pid == pid)
			return p;
	return NULL;
}

static struct wproc *proc_new(struct watch *w, pid_t pid)
{
	struct wproc *p = cli_alloc(sizeof(*p));
	struct wproc **b = &w->bucket[(unsigned)pid % BUCKETS];

	p->pid = pid;
	if (w->last)
		w->last->next = p;
	else
		w->procs = p;
	w->last = p;
	p->same = *b;
	*b = p;
	return p;
}

/* The entry of a running process, made at first sight. */
static struct wproc *proc_of(struct watch *w, pid_t pid)
{
	struct wproc *p = proc_find(w, pid);

	return p && p->state != W_ENDED ? p : proc_new(w, pid);
}

static struct wthread *thread_of(struct wproc *p, pid_t tid)
{
	struct wthread *t;

	for (t = p->threads; t; t = t->next)
		if (t->tid == tid)
			return t;
	t = cli_alloc(sizeof(*t));
	t->tid = tid;
	t->next = p->threads;
	p->threads = t;
	return t;
}

static void forget_image(struct wproc *p)
{
	for (struct wthread *t = p->threads, *tn; t; t = tn) {
		tn = t->next;
		for (struct wevent *e = t->events, *en; e; e = en) {
			en = e->next;
			free(e);
		}
		free(t);
	}
	p->threads = NULL;
	nsp_remote_close(p->remote);
	p->remote = NULL;
}

/* ---- reading the process that stopped */

static int peek(pid_t tid, uintptr_t addr, void *buf, size_t n)
{
	struct iovec local = { buf, n }, remote = { (void *)addr, n };

	return process_vm_readv(tid, &local, 1, &remote, 1, 0) == (ssize_t)n ? 0 : -errno;
}

/* Tgid and Threads of /proc/TID/status: one read for both. */
static pid_t status_tgid(pid_t tid, size_t *threads)
{
	char buf[4096], path[32];
	uint64_t tgid = 0, count = 0;
	ssize_t n = -1;
	int fd;

	/* One read: the kernel makes the whole file at once, and it is far
	 * below 4 KiB (a second read to see its end costs a system call a
	 * stop). */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
	}

	if (n <= 0 || nsp_status_num(buf, (size_t)n, "Tgid", 10, &tgid))
		tgid = (uint64_t)tid;
	if (n > 0)
		nsp_status_num(buf, (size_t)n, "Threads", 10, &count);
	*threads = (size_t)count;
	return (pid_t)tgid;
}

/* The process of thread tid and its thread count.  Most stops come from
 * a process of one thread: /proc/TID/task counts the threads in its link
 * count (two plus one per thread, a zombie leader included), and a
 * process of one thread has its leader as that thread, so one stat says
 * all; only a process of several threads has its status read. */
static pid_t tgid_of(pid_t tid, size_t *threads)
{
	if (nsp_proc_thread_count(tid) == 1) {
		*threads = 1;
		return tid;
	}
	return status_tgid(tid, threads);
}

/* A NUL-terminated string of the stopped thread, into buf. */
static int peek_str(pid_t tid, uintptr_t addr, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		/* Never across a page: the next may not be mapped. */
		size_t chunk = 4096 - ((addr + n) & 4095);
		if (chunk > cap - 1 - n)
			chunk = cap - 1 - n;
		if (peek(tid, addr + n, buf + n, chunk))
			break;
		if (memchr(buf + n, 0, chunk))
			return 0;
		n += chunk;
	}
	buf[n] = 0;
	return n ? 0 : -EFAULT;
}

/* Whether the program an execve of tid names is surely not there: its
 * path, in the process's root (or, relative, its working directory where
 * its root is ours), has a component missing before any symbolic link
 * (links are not followed: one into /proc would be read as namspill's
 * "self").  Such an exec fails with ENOENT (a search along PATH tries one
 * directory after another). */
static int exec_surely_missing(pid_t tid, uintptr_t pathp)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
	char path[CLI_PATH], root[48], cwd[48];
	struct stat r, mine;
	int d, fd;

	if (peek_str(tid, pathp, path, sizeof(path)) || !path[0])
		return 0;
	snprintf(root, sizeof(root), "/proc/%d/root", (int)tid);
	snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", (int)tid);
	if (path[0] == '/')
		how.resolve |= RESOLVE_IN_ROOT;
	else if (stat(root, &r) || stat("/", &mine) || r.st_dev != mine.st_dev ||
		 r.st_ino != mine.st_ino)
		return 0;
	if ((d = open(path[0] == '/' ? root : cwd, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	fd = (int)syscall(SYS_openat2, d, path, &how, sizeof(how));
	close(d);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == ENOENT || errno == ENOTDIR;
}

/* The argument vector of an execve, as a command line (NUL-separated):
 * the pointers in one read up to the end of their page (and more pages
 * while they last), then every argument's first bytes in one read, and
 * only an argument longer than that read on its own. */
#define ARG_CHUNK 128

static void exec_argv(struct wproc *p, pid_t tid, uintptr_t argvp, uintptr_t pathp, char *path,
		      size_t cap)
{
	uintptr_t ptr[256];
	char buf[MAX_ARGV], first[256][ARG_CHUNK];
	struct iovec local[256], remote[256];
	size_t nptr = 0, len = 0, got, k, room, plen;
	ssize_t r;

	/* The program's path in the same read as the first pointers (each
	 * up to the end of its page); the path read on its own only if it
	 * goes on past that. */
	room = (4096 - (argvp & 4095)) / sizeof(*ptr);
	if (room > 256)
		room = 256;
	plen = 4096 - (pathp & 4095);
	if (plen > cap - 1)
		plen = cap - 1;
	local[0] = (struct iovec){ ptr, room * sizeof(*ptr) };
	local[1] = (struct iovec){ path, plen };
	remote[0] = (struct iovec){ (void *)argvp, local[0].iov_len };
	remote[1] = (struct iovec){ (void *)pathp, plen };
	r = process_vm_readv(tid, local, 2, remote, 2, 0);
	if (r != (ssize_t)(local[0].iov_len + plen) || !memchr(path, 0, plen)) {
		if (peek_str(tid, pathp, path, cap))
			path[0] = 0;
	}
	if (r >= (ssize_t)local[0].iov_len) {
		for (k = 0; k < room && ptr[k]; k++)
			;
		nptr = k;
		if (k < room)
			goto args;
	}
	while (nptr < 256) {
		room = (4096 - ((argvp + nptr * sizeof(*ptr)) & 4095)) / sizeof(*ptr);
		if (room > 256 - nptr)
			room = 256 - nptr;
		if (peek(tid, argvp + nptr * sizeof(*ptr), ptr + nptr, room * sizeof(*ptr)))
			break;
		for (k = 0; k < room && ptr[nptr + k]; k++)
			;
		nptr += k;
		if (k < room)
			break;
	}
args:
	for (k = 0; k < nptr; k++) {
		size_t chunk = 4096 - (ptr[k] & 4095);
		local[k] = (struct iovec){ first[k], chunk < ARG_CHUNK ? chunk : ARG_CHUNK };
		remote[k] = (struct iovec){ (void *)ptr[k], local[k].iov_len };
	}
	r = nptr ? process_vm_readv(tid, local, nptr, remote, nptr, 0) : 0;
	got = r > 0 ? (size_t)r : 0;
	for (k = 0; k < nptr && len < sizeof(buf) - 1; k++) {
		size_t n = local[k].iov_len;
		char *nul;
		if (got >= n && (nul = memchr(first[k], 0, n))) {
			size_t l = (size_t)(nul - first[k]) + 1;
			if (l > sizeof(buf) - len)
				l = sizeof(buf) - len;
			memcpy(buf + len, first[k], l);
			buf[len + l - 1] = 0;
			len += l;
		} else if (!peek_str(tid, ptr[k], buf + len, sizeof(buf) - len)) {
			len += strlen(buf + len) + 1;
		} else {
			break;
		}
		got = got > n ? got - n : 0;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);
	free(p->argv);
	p->argv = len ? memcpy(cli_alloc(len), buf, len) : NULL;
	p->argv_len = len;
}

/* A program that would run with other privileges than its caller's:
 * under no_new_privs (no CAP_SYS_ADMIN here) it runs without them. */
static int privileged_program(pid_t tid, const char *path)
{
	char full[CLI_PATH + 32];
	struct stat st;

	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "/proc/%d/cwd/%s", (int)tid, path);
	if (stat(full, &st))
		return 0;
	return (st.st_mode & (S_ISUID | S_ISGID)) || getxattr(full, "security.capability", NULL, 0) > 0;
}

/* ---- judging */

static void take_report(struct wproc *p, char *json, size_t len)
{
	free(p->report);
	p->report = json;
	p->report_len = len;
	p->state = W_JUDGED;
}

/* What a process judged without a report lived in, read through its
 * thread tid (the switched entries: pid_for_children, not pid), so the
 * summary can name a namespace by the process of the tree in it. */
static void read_namespaces(struct wproc *p, pid_t tid)
{
	/* A process ending meanwhile reads as nothing: what was read before
	 * (at its exec) stays. */
	cli_proc_ns_all(tid, p->ns);
}

static void read_comm(struct wproc *p, pid_t tid)
{
	char comm[16];

	if (!nsp_proc_comm(tid, 0, comm) && comm[0])
		memcpy(p->comm, comm, sizeof(comm));
}

static void read_dwelling(struct wproc *p, pid_t tid)
{
	read_namespaces(p, tid);
	read_comm(p, tid);
}

/* Whether the program tid runs is a pure Go one (cli_elf_pure_go),
 * asked once per file. */
static int pure_go(struct watch *w, pid_t tid)
{
	char path[40];
	struct stat st;
	unsigned i;
	int fd, go;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st)) {
		close(fd);
		return 0;
	}
	for (i = 0; i < w->nprograms && i < PROGRAMS; i++)
		if (w->programs[i].dev == st.st_dev && w->programs[i].ino == st.st_ino &&
		    w->programs[i].size == st.st_size &&
		    w->programs[i].mtime.tv_sec == st.st_mtim.tv_sec &&
		    w->programs[i].mtime.tv_nsec == st.st_mtim.tv_nsec) {
			close(fd);
			return w->programs[i].go;
		}
	go = cli_elf_pure_go(fd);
	close(fd);
	i = w->nprograms++ % PROGRAMS;
	w->programs[i].dev = st.st_dev;
	w->programs[i].ino = st.st_ino;
	w->programs[i].size = st.st_size;
	w->programs[i].mtime = st.st_mtim;
	w->programs[i].go = go;
	return go;
}

/* The process of tid, judged now: its end, or an exec that ends its
 * threads.  A process with one thread and nothing recorded is its own
 * majority: counted without a look at /proc.  What it lived in is read
 * again only if it may have moved since its exec: a switch of its own
 * (stopped here, or told by its runtime), or no exec seen. */
static void judge(struct watch *w, struct wproc *p, pid_t tid, size_t threads, int at_exec)
{
	size_t len;
	char *json;

	if (p->reported)
		return; /* its runtime's own report, with every cause */
	if (threads == 1 && !p->threads) {
		p->state = W_JUDGED;
		p->single = 1;
		if (!p->exec_seen || p->switched)
			read_dwelling(p, tid);
		return;
	}
	/* Every switch of a thread stops here or is told (the shim's keyed
	 * calls), and so does a clone into new namespaces, but not clone3,
	 * whose flags are out of the filter's reach.  The Go runtime makes
	 * its threads with clone: a pure Go program none of whose threads
	 * switched since the exec seen has them all where that exec put it,
	 * and is judged by that, reading one thread's namespaces (the exec
	 * may have been of a process that clone3 made elsewhere), not every
	 * thread's while the others spin. */
	if (p->exec_seen && !p->switched && !p->threads && pure_go(w, tid) &&
	    cli_proc_ns_all(tid, p->ns) > 0 && p->ns[NAMSPILL_NS_NET] &&
	    p->ns[NAMSPILL_NS_PID_FOR_CHILDREN])
		json = judge_unmoved(p, threads, &len);
	else
		json = judge_process(p, tid, NSP_TRIGGER_EXIT, at_exec ? tid : 0, &w->rules, &len);
	if (json)
		take_report(p, json, len);
}

/* ---- the stops */

static void on_exec(struct watch *w, const struct seccomp_notif *n, int at)
{
	pid_t tid = (pid_t)n->pid;
	size_t threads;
	pid_t pid = tgid_of(tid, &threads);
	struct wproc *p = proc_of(w, pid);
	const __u64 *a = n->data.args;
	char path[CLI_PATH];
	int moved = p->switched;

	/* An exec surely bound to fail (a search along PATH tries each
	 * directory) ends nothing: the image goes on, with its threads and
	 * its name.  Looked at where it matters: a process with threads, or
	 * one that switched. */
	if ((threads > 1 || moved) && p->state == W_RUNNING && !at &&
	    exec_surely_missing(tid, (uintptr_t)a[0]))
		return;
	/* The exec ends every other thread: a process that has them is
	 * judged now, as it is, but for the thread that execs (it goes on
	 * as the new image, wherever it went first). */
	if (threads > 1 && p->state == W_RUNNING)
		judge(w, p, tid, threads, 1);
	if (p->state != W_RUNNING) {
		p->state = W_ENDED; /* that image is done with */
		p = proc_new(w, pid);
	}
	forget_image(p);
	p->reported = 0;
	p->exec_seen = 1;
	/* A process that had switched stays taken for moved: whether its
	 * exec worked is not known here, and an image that goes on after a
	 * failed one is not told of again (the library tells an image's
	 * first switch only). */
	p->switched = moved;
	/* Read again at its end if it moved; a process killed before that
	 * keeps these.  Its name is the new program's (exec sets it from the
	 * path), not the one /proc still shows during the stop. */
	if (w->have_first && !w->moved) {
		memcpy(p->ns, w->first_ns, sizeof(p->ns));
	} else if (cli_proc_ns_all(tid, p->ns) > 0 && !w->have_first) {
		memcpy(w->first_ns, p->ns, sizeof(w->first_ns));
		w->have_first = 1;
	}
	exec_argv(p, tid, (uintptr_t)a[at + 1], (uintptr_t)a[at], path, sizeof(path));
	if (!path[0]) {
		read_comm(p, tid);
		return;
	}
	snprintf(p->comm, sizeof(p->comm), "%s", nsp_base_name(path)); /* as exec sets it */
	/* The helper a report starts to name frames: ours, not the tree's. */
	p->ours = !strcmp(nsp_base_name(path), "namspill-symbolize");
	if (w->uid && privileged_program(tid, path)) {
		p->unprivileged = 1;
		if (!w->quiet)
			cli_err("warning: %s is set-user-ID, set-group-ID or has file capabilities: "
				"it runs without those privileges here (namspill, not root, watches "
				"the tree under no_new_privs); run namspill as root to keep them",
				path);
	}
}

/* The command line of a process seen first at its end (a fork that never
 * exec'd), as /proc has it. */
static void argv_of(struct wproc *p)
{
	char argv[MAX_ARGV];
	ssize_t len = nsp_proc_read(p->pid, "cmdline", argv, sizeof(argv));

	if (len > 0) {
		p->argv = memcpy(cli_alloc((size_t)len), argv, (size_t)len);
		p->argv_len = (size_t)len;
	}
}

static void on_exit_group(struct watch *w, const struct seccomp_notif *n)
{
	pid_t tid = (pid_t)n->pid;
	size_t threads;
	struct wproc *p = proc_of(w, tgid_of(tid, &threads));

	if (!p->argv)
		argv_of(p);

	if (p->state == W_RUNNING)
		judge(w, p, tid, threads, 0);
}

/* The kinds a setns(fd, type) changes, and the namespace it enters, from
 * the stopped thread's descriptor. */
static unsigned setns_target(pid_t tid, int fd, unsigned long type, uint64_t *ino)
{
	char path[64];
	struct stat st;
	int nsfd;
	unsigned kinds;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, fd);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return type ? nsp_kinds_of_flags(type) : 0;
	kinds = type ? nsp_kinds_of_flags(type) : nsp_kinds_of_nsfd(nsfd);
	*ino = fstat(nsfd, &st) ? 0 : (uint64_t)st.st_ino;
	close(nsfd);
	return kinds;
}

/* The thread's namespace of kind k now: 0 if it cannot be read. */
static uint64_t ns_now(pid_t tid, int k)
{
	char path[64], link[64];
	ssize_t n;

	for (int type = 0; type < NAMSPILL_NS_COUNT; type++) {
		if (nsp_kind_of_type(type) != k || type == NAMSPILL_NS_PID ||
		    type == NAMSPILL_NS_TIME)
			continue; /* the *_for_children entry is the one switched */
		snprintf(path, sizeof(path), "/proc/%d/task/%d/ns/%s", (int)tid, (int)tid,
			 nsp_ns_names[type]);
		n = readlink(path, link, sizeof(link));
		return n > 0 ? nsp_ns_link_ino(link, n) : 0;
	}
	return 0;
}

static void on_switch(struct watch *w, const struct seccomp_notif *n, int call)
{
	pid_t tid = (pid_t)n->pid;
	size_t threads;
	struct wproc *p = proc_of(w, tgid_of(tid, &threads));
	struct wthread *t = thread_of(p, tid);
	struct wevent *e = cli_alloc(sizeof(*e));
	uint64_t target = 0;
	struct nsp_regs regs;

	p->switched = 1;
	w->moved = 1;
	e->call = call;
	e->tid = tid;
	e->kinds = call == NSP_CALL_SETNS ? setns_target(tid, (int)n->data.args[0],
							(unsigned long)n->data.args[1], &target)
					  : nsp_kinds_of_flags((unsigned long)n->data.args[0]);
	for (int k = 0; k < NSP_NKINDS; k++) {
		if (!(e->kinds & (1u << k)))
			continue;
		e->target[k] = target;
		e->before[k] = ns_now(tid, k);
	}
	/* A signal may have restarted the call: the same stop again. */
	if (t->events && t->events->call == call && t->events->kinds == e->kinds &&
	    !memcmp(t->events->target, e->target, sizeof(e->target)) &&
	    !memcmp(t->events->before, e->before, sizeof(e->before))) {
		free(e);
		return;
	}
	if (!p->remote)
		p->remote = nsp_remote_open(p->pid);
	if (!nsp_remote_syscall_regs(p->pid, tid, &regs))
		e->stack.depth = nsp_remote_stack(p->remote, tid, &regs, e->stack.ip, NSP_MAX_DEPTH);
	e->seq = ++w->seq;
	e->next = t->events;
	t->events = e;
}

/* Frames the process left unnamed are named while it waits, with what
 * namspill may read of it; the text is written anew if any was. */
static void name_what_it_could_not(pid_t tid, char **json, size_t *len)
{
	const char *err;
	struct jv *rep = json_parse(*json, *len, &err);
	char *text = NULL;
	size_t n = 0;
	FILE *f;

	if (rep && judge_name_frames(tid, rep) && (f = open_memstream(&text, &n))) {
		json_write(f, rep);
		if (fclose(f) == 0) {
			free(*json);
			*json = text;
			*len = n;
		}
	}
	json_free(rep);
}

/* A clone into new namespaces (the filter stops no other): the tree may
 * now live elsewhere, and so may a thread of the caller's process. */
static void on_clone_new(struct watch *w, const struct seccomp_notif *n)
{
	size_t threads;

	w->moved = 1;
	proc_of(w, tgid_of((pid_t)n->pid, &threads))->switched = 1;
}

/* The watch call: a report the runtime handed over, read from its memory
 * while it waits, or word of the process's first switch made with the key
 * (which has no stop of its own).  The answer, or -errno. */
static long on_call(struct watch *w, const struct seccomp_notif *n)
{
	pid_t tid = (pid_t)n->pid;
	size_t threads, len = (size_t)n->data.args[2];
	struct wproc *p = proc_of(w, tgid_of(tid, &threads));
	char *json;

	if (n->data.args[0] == NSP_WATCH_DYING) {
		p->dying = 1;
		return NSP_WATCH_ACK;
	}
	if (n->data.args[0] == NSP_WATCH_SWITCHED) {
		p->switched = 1;
		w->moved = 1;
		return NSP_WATCH_ACK;
	}
	if (n->data.args[0] != NSP_WATCH_REPORT || !len || len > MAX_REPORT)
		return -EINVAL;
	json = cli_alloc(len + 1);
	if (peek(tid, (uintptr_t)n->data.args[1], json, len)) {
		free(json);
		return -EFAULT;
	}
	json[len] = 0;
	name_what_it_could_not(tid, &json, &len);
	take_report(p, json, len);
	p->reported = 1;
	return NSP_WATCH_ACK;
}

/* ---- the two threads */

static void answer(struct watch *w, const struct seccomp_notif *n, long val)
{
	struct seccomp_notif_resp *r = alloca(w->rsize);

	memset(r, 0, w->rsize);
	r->id = n->id;
	if (val == LONG_MIN) {
		r->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else if (val < 0) {
		r->error = (int32_t)val;
	} else {
		r->val = val;
	}
	/* ENOENT: the task went away (killed) meanwhile. */
	ioctl(w->listener, SECCOMP_IOCTL_NOTIF_SEND, r);
	for (int i = 0; i < KEEPER_PENDING; i++) {
		uint64_t id = n->id;
		if (atomic_compare_exchange_strong(&w->shared->pending[i], &id, 0))
			break;
	}
}

/* A seccomp filter the process installs (seccomp(2) or prctl(2)): ours
 * comes first where both stop a call, and the kernel allows one listener
 * in a process, so say what the program loses here.  The call itself
 * carries on, as it would without namspill (a listener it asks for is
 * refused, EBUSY). */
static void on_filter(struct watch *w, const struct seccomp_notif *n, int is_prctl)
{
	pid_t tid = (pid_t)n->pid;
	size_t threads;
	struct wproc *p = proc_of(w, tgid_of(tid, &threads));
	struct sock_filter f[BPF_MAXINSNS];
	struct sock_fprog prog;
	uint64_t flags = is_prctl ? 0 : n->data.args[1];
	int listener = 0, trace = 0, whole;

	/* Only a filter the kernel would take (libseccomp probes for the
	 * listener with no filter at all: EFAULT, with namspill or without). */
	whole = !peek(tid, (uintptr_t)n->data.args[2], &prog, sizeof(prog)) && prog.len &&
		prog.len <= BPF_MAXINSNS &&
		!peek(tid, (uintptr_t)prog.filter, f, prog.len * sizeof(*f));
	if (!whole)
		return;
	/* A listener with TSYNC is refused anyway, unless TSYNC_ESRCH. */
	listener = (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) &&
		   (!(flags & SECCOMP_FILTER_FLAG_TSYNC) || (flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
	for (unsigned i = 0; i < prog.len && !trace; i++)
		trace = f[i].code == (BPF_RET | BPF_K) &&
			(f[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_TRACE;
	if (w->quiet || (listener ? p->told_listener : !trace || p->told_trace))
		return;
	if (!p->comm[0])
		read_comm(p, tid); /* a fork not yet exec'd */
	p->told_listener |= listener;
	p->told_trace |= !listener;
	/* Once a program: strace tries its filter in a child of its own first. */
	if (!strcmp(w->told_filter[listener], p->comm))
		return;
	memcpy(w->told_filter[listener], p->comm, sizeof(p->comm));
	if (listener) {
		cli_err("warning: pid %d (%s) asked for a seccomp listener of its own: the kernel "
			"allows one in a process and namspill's holds it, so the call fails here "
			"(EBUSY) as it would not without namspill; run it under namspill --no-watch",
			(int)p->pid, p->comm);
	} else {
		cli_err("warning: pid %d (%s) installed a seccomp filter that stops calls for its "
			"tracer: namspill's filter comes first for execve, exit_group, and setns and "
			"unshare made without the library, so its tracer is not stopped at those "
			"(strace --seccomp-bpf loses them); run it under namspill --no-watch",
			(int)p->pid, p->comm);
	}
}

static void handle(struct watch *w, const struct seccomp_notif *n)
{
	int nr = n->data.nr, x86 = n->data.arch == AUDIT_ARCH_X86_64;
	long val = LONG_MIN; /* carry on */

	/* x32: x86_64's numbers but for exec.  Where the kernel has no x32
	 * entry these calls fail, so an exec or exit_group there is not taken
	 * for one: the process is only taken for moved, as at a switch. */
	if (x86 && ((unsigned)nr & X32_BIT)) {
		nr &= (int)~X32_BIT;
		if (nr == X32_EXECVE || nr == X32_EXECVEAT || nr == __NR_exit_group) {
			on_clone_new(w, n);
			nr = -1;
		} else if (nr != __NR_setns && nr != __NR_unshare && nr != __NR_clone) {
			nr = -1;
		}
	}

	if (x86 ? nr == __NR_execve : nr == I386_EXECVE)
		on_exec(w, n, 0);
	else if (x86 ? nr == __NR_execveat : nr == I386_EXECVEAT)
		on_exec(w, n, 1);
	else if (x86 ? nr == __NR_exit_group : nr == I386_EXIT_GROUP)
		on_exit_group(w, n);
	else if (x86 ? nr == __NR_setns : nr == I386_SETNS)
		on_switch(w, n, NSP_CALL_SETNS);
	else if (x86 ? nr == __NR_unshare : nr == I386_UNSHARE)
		on_switch(w, n, NSP_CALL_UNSHARE);
	else if (x86 && nr == NSP_WATCH_NR)
		val = on_call(w, n);
	else if (x86 ? nr == __NR_clone : nr == I386_CLONE)
		on_clone_new(w, n);
	else if (x86 && (nr == __NR_seccomp || nr == __NR_prctl))
		on_filter(w, n, nr == __NR_prctl);
	answer(w, n, val);
}

static void remember(struct watch *w, uint64_t id)
{
	for (int i = 0; i < KEEPER_PENDING; i++) {
		uint64_t free_slot = 0;
		if (atomic_compare_exchange_strong(&w->shared->pending[i], &free_slot, id))
			return;
	}
}

/* The signal that wakes the receiver out of its wait for a stop (with a
 * handler that does nothing, so the wait fails with EINTR); blocked in
 * every other thread of namspill. */
#define WAKE_SIGNAL (SIGRTMIN + 3)

static void on_wake(int sig)
{
	(void)sig;
}

static void *receiver(void *arg)
{
	struct watch *w = arg;
	struct seccomp_notif *n = cli_alloc(w->nsize);
	sigset_t wake;

	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &wake, NULL);
	/* Waiting in the receive itself, not in poll: one system call a stop
	 * fewer, and one wake-up. */
	while (!atomic_load(&w->stopping)) {
		memset(n, 0, w->nsize);
		if (ioctl(w->listener, SECCOMP_IOCTL_NOTIF_RECV, n))
			continue; /* EINTR (woken), or ENOENT: the task went away first */
		remember(w, n->id);
		/* One at a time, in the order received: each stop is answered
		 * before the next is taken (no hand-over to another thread). */
		pthread_mutex_lock(&w->lock);
		handle(w, n);
		pthread_mutex_unlock(&w->lock);
	}
	free(n);
	return NULL;
}

/* ---- start and finish */

struct watch *watch_start(int sock, uint64_t key, int quiet, const struct nsp_supp *rules)
{
	struct seccomp_notif_sizes sz;
	struct sigaction sa;
	struct watch *w;
	sigset_t wake;
	int listener = watch_recv_fd(sock);

	if (listener < 0) {
		cli_err("cannot watch the tree: no listener came (%s)", strerror(-listener));
		return NULL;
	}
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz)) {
		cli_err("cannot watch the tree: %s", strerror(errno));
		close(listener);
		return NULL;
	}
	w = cli_alloc(sizeof(*w));
	w->listener = listener;
	w->uid = getuid();

	w->key = key;
	w->rules = *rules;
	w->quiet = quiet;
	w->nsize = sz.seccomp_notif > sizeof(struct seccomp_notif) ? sz.seccomp_notif :
								     sizeof(struct seccomp_notif);
	w->rsize = sz.seccomp_notif_resp > sizeof(struct seccomp_notif_resp) ?
			   sz.seccomp_notif_resp : sizeof(struct seccomp_notif_resp);
	w->shared = mmap(NULL, sizeof(*w->shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w->shared == MAP_FAILED || keeper_start(listener, w->shared, w->nsize, w->rsize)) {
		cli_err("cannot watch the tree: %s", strerror(errno));
		close(listener);
		free(w);
		return NULL;
	}
	/* The kernel's synchronous wake-up (Linux 6.6 on; older kernels say
	 * EINVAL and nothing changes): the receiver is woken on the CPU of
	 * the process that stopped, and that process is woken where the
	 * receiver answers, so a stop is two switches on one CPU.  Without
	 * it the stopped process was woken on the receiver's CPU in most
	 * stops, and an exec went on there cold: 2 migrations a process of
	 * a shell loop, 0.7 to 1 with it.  Measured side by side, namspill
	 * over native for 300 x /bin/true: 1.26x with it, 1.37x without
	 * (25 rounds; 1.28x against 1.80x while the host was busy); make
	 * -j2 the same in CPU time and 2-7 % longer in wall time, a Go
	 * program about the same.  An earlier measurement, on a quieter
	 * host, had found it worse. */
	ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	sigemptyset(&wake);
	sigaddset(&wake, WAKE_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &wake, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_wake; /* no SA_RESTART: the receive fails with EINTR */
	sigaction(WAKE_SIGNAL, &sa, NULL);
	pthread_mutex_init(&w->lock, NULL);
	pthread_create(&w->receiver, NULL, receiver, w);
	return w;
}

void watch_root(struct watch *w, pid_t pid)
{
	w->root = pid;
}

/* A process that ended without the exit_group stop, by its wait status. */
static void ended_by(struct wproc *p, int status)
{
	char why[128], sig[NSP_SIGNAME_MAX];

	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by %s", nsp_sig_name(WTERMSIG(status), sig));
	else
		snprintf(why, sizeof(why), "ended (status %d) without calling exit_group",
			 WEXITSTATUS(status));
	free(p->why);
	p->why = cli_strdup(why);
	p->state = W_ENDED;
}

void watch_reaped(struct watch *w, pid_t pid, int status)
{
	struct wproc *p;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	p = proc_find(w, pid);
	if (p && p->state == W_RUNNING && pid != w->root)
		ended_by(p, status);
	pthread_mutex_unlock(&w->lock);
}

void watch_root_ended(struct watch *w, int status)
{
	struct wproc *p;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	p = proc_find(w, w->root);
	if (p && p->state == W_RUNNING)
		ended_by(p, status);
	pthread_mutex_unlock(&w->lock);
}

/* Waits until the stop being handled, if any, is answered. */
static void drain(struct watch *w)
{
	pthread_mutex_lock(&w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Processes of the tree still there that never made an execve namspill
 * saw (a shell's subshell, a fork that has not exec'd yet): known now, so
 * they are listed as still running, not left out. */
static void add_unseen(struct watch *w)
{
	size_t n;
	pid_t *pids = cli_tree_pids(&n);

	for (size_t i = 0; i < n; i++) {
		struct wproc *p = proc_find(w, pids[i]);
		char st[512], *close;
		ssize_t len = nsp_proc_read(pids[i], "stat", st, sizeof(st) - 1);

		if (p && p->state != W_ENDED)
			continue;
		/* Zombies have ended: waiting to be reaped, judged or not. */
		st[len > 0 ? len : 0] = 0;
		if (len <= 0 || !(close = strrchr(st, ')')) || close[1] != ' ' || close[2] == 'Z' ||
		    close[2] == 'X')
			continue;
		p = proc_new(w, pids[i]);
		argv_of(p);
	}
	free(pids);
}

/* The signals pending for pid (its own and its process's) and those it
 * catches, from its status: 0, or -1 if it cannot be read. */
static int pending_signals(pid_t pid, uint64_t *pending, uint64_t *caught)
{
	char buf[4096];
	ssize_t n = nsp_proc_read(pid, "status", buf, sizeof(buf));
	uint64_t pnd = 0, shd = 0;

	*pending = *caught = 0;
	if (n <= 0)
		return -1;
	nsp_status_num(buf, (size_t)n, "SigPnd", 16, &pnd);
	nsp_status_num(buf, (size_t)n, "ShdPnd", 16, &shd);
	nsp_status_num(buf, (size_t)n, "SigCgt", 16, caught);
	*pending = pnd | shd;
	return 0;
}

/* Whether pid is on its way out: killed (SIGKILL pending) or exiting. */
static int dying(pid_t pid)
{
	uint64_t pending, caught;

	if (pending_signals(pid, &pending, &caught))
		return 0;
	return (pending & (1ull << (SIGKILL - 1))) || nsp_proc_ended(pid, 0);
}

/* Reaps pid if it is an orphan of ours that has ended or is ending (a
 * process killed just before the command ended: timeout's child):
 * waits for that one a little (up to a second).  1 and its status, or 0. */
static int reap_orphan(pid_t pid, int *st)
{
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(pid, st, WNOHANG);
		if (r == pid)
			return 1;
		if (r < 0 || (i == 0 && !dying(pid)))
			return 0; /* not ours, or alive and well */
		usleep(1000);
	}
	return 0;
}

/* Whether pid has a signal pending that a handler of its own will take
 * and that would end it otherwise (a timeout's SIGTERM): the library's
 * handler says "dying" first thing, once the process gets to run it. */
static int fatal_pending(pid_t pid)
{
	uint64_t pending, caught;
	const uint64_t fatal = (1ull << (SIGHUP - 1)) | (1ull << (SIGINT - 1)) |
			       (1ull << (SIGQUIT - 1)) | (1ull << (SIGTERM - 1)) |
			       (1ull << (SIGALRM - 1)) | (1ull << (SIGUSR1 - 1)) |
			       (1ull << (SIGUSR2 - 1)) | (1ull << (SIGABRT - 1));

	return !pending_signals(pid, &pending, &caught) && (pending & caught & fatal) != 0;
}

/* Processes that said a fatal signal is being reported, still writing
 * it: the receiver goes on until each hands it over or ends (at most
 * DYING_WAIT_MS), so a timeout that ends the whole tree loses no spill.
 * One that has such a signal pending and has not said so yet (a busy
 * machine has not run its handler) is waited for too, a shorter while. */
#define DYING_WAIT_MS 3000
#define PENDING_WAIT_MS 1000

static void wait_for_dying(struct watch *w)
{
	for (int ms = 0; ms < DYING_WAIT_MS; ms += 2) {
		int waiting = 0;
		pthread_mutex_lock(&w->lock);
		for (struct wproc *p = w->procs; p && !waiting; p = p->next)
			waiting = !p->reported && p->state == W_RUNNING &&
				  (p->dying || (ms < PENDING_WAIT_MS && fatal_pending(p->pid))) &&
				  cli_alive(p->pid) && !nsp_proc_ended(p->pid, 0);
		pthread_mutex_unlock(&w->lock);
		if (!waiting)
			return;
		usleep(2000);
	}
}

void watch_finish(struct watch *w, struct procs *ps)
{
	int st;

	wait_for_dying(w);

	/* Stops already received are answered; then the threads end and the
	 * keeper answers whatever the tree still does (a daemon it left). */
	drain(w);
	atomic_store(&w->stopping, 1);
	/* Woken until it has seen it: a wake-up that comes just before it
	 * waits again is missed, the next is not. */
	for (;;) {
		struct timespec t;
		pthread_kill(w->receiver, WAKE_SIGNAL);
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 10 * 1000 * 1000;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		if (pthread_timedjoin_np(w->receiver, NULL, &t) == 0)
			break;
	}
	/* Received after the last look, not handled: the keeper answers them. */
	close(w->listener);
	add_unseen(w);
	memset(ps, 0, sizeof(*ps));
	for (struct wproc *p = w->procs; p; p = p->next)
		ps->n++;
	ps->p = cli_alloc((ps->n ? ps->n : 1) * sizeof(*ps->p));
	ps->n = 0;
	for (struct wproc *p = w->procs; p; p = p->next) {
		struct proc *q;
		if (p->ours) {
			forget_image(p);
			continue;
		}
		q = &ps->p[ps->n++];
		q->pid = p->pid;
		q->unprivileged = p->unprivileged;
		/* An orphan of the tree that ended after the command did is
		 * ours to reap: it is no longer running, and its status says how
		 * it ended. */
		if (p->state == W_RUNNING && p->pid != w->root && reap_orphan(p->pid, &st))
			ended_by(p, st);
		if (p->state == W_RUNNING && cli_alive(p->pid))
			read_dwelling(p, p->pid);
		memcpy(q->ns, p->ns, sizeof(q->ns));
		memcpy(q->comm, p->comm, sizeof(q->comm));
		if (p->report) {
			cli_take_report(q, p->report, p->report_len, "the report");
			if (q->rep)
				cli_suppress(q, &w->rules);
			p->report = NULL;
		}
		if (!q->rep)
			cli_proc_argv(q, p->argv, p->argv_len);
		if (q->rep) {
			if (json_str(q->rep, "error"))
				ps->errors++;
		} else if (p->single) {
			q->counted = 1;
			ps->single++;
		} else if ((q->running = p->state == W_RUNNING && cli_alive(p->pid))) {
			q->why = cli_strdup("still running when the command ended");
			ps->no_report++;
		} else if (!p->switched && !p->dying) {
			/* Ended unseen, but every switch stops here or is told
			 * first (clone3's flags aside): its threads were all
			 * where its exec or fork put them. */
			q->ended = cli_strdup(p->why ? p->why : "no exit_group: killed by a signal?");
			ps->unmoved++;
		} else {
			char why[256];
			snprintf(why, sizeof(why), "%s before it could be judged, after %s",
				 p->why ? p->why : "ended without calling exit_group (killed by a "
						   "signal?)",
				 p->dying ? "saying a report was on its way" :
					    "a switch of namespaces (its own, or before its exec)");
			q->why = cli_strdup(why);
			ps->no_report++;
		}
		ps->spills += q->spills;
		ps->suppressed += q->suppressed;
		ps->spilled_procs += q->spills > 0;
		forget_image(p);
	}
}
