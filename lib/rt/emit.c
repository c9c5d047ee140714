/* Where this process's reports go (lib/report/sink.c says how a file is
 * written), and the start markers the CLI counts processes by.  On-demand
 * reports go to log_path.<pid>[.<k>].request<N>, N counting from 1 in each
 * process and k as for its other files, so none overwrites another. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h> /* renameat */
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/fmt.h"
#include "base/helpers.h"
#include "base/pidfd.h"
#include "base/proc.h"
#include "base/watch.h"
#include "dw/dw.h"
#include "report/supp.h"
#include "rt/collect.h"
#include "rt/emit.h"
#include "rt/home.h"
#include "rt/symext.h"

/* A report's memory is mapped for what it needs, not for the worst case,
 * so it is had under a tight ulimit -v or strict overcommit: measured
 * (verbosity=2) at 2 KiB a thread for few spills and 8 KiB a thread where
 * a third of a thousand threads spilled with their causes, it is given
 * 16 KiB a thread and a floor (a thread's own stack is 500 times that),
 * and four times as much again if it ran out. */
#define ARENA_MIN ((size_t)1 << 20)
#define ARENA_MAX ((size_t)256 << 20)
#define ARENA_BASE ((size_t)4 << 20)
#define ARENA_PER_THREAD ((size_t)16 << 10)
#define NAMES_BASE ((size_t)2 << 20) /* naming the frames of the spills */
#define NAMES_PER_SPILL ((size_t)32 << 10)
#define TEXT_BASE ((size_t)64 << 10) /* the JSON text handed over */
#define TEXT_PER_SPILL ((size_t)32 << 10)

/* A test hook (tests/func/test_harden.py): the first arena of every
 * report this size, so running out and trying again is exercised. */
static size_t test_arena;

/* The number of this process's next on-demand report; a fork child
 * counts from 1 again.  The count is published: `namspill ps --stacks`
 * waits for the one file its request makes. */
static unsigned next_request(void)
{
	_Atomic uint64_t *requests = &nsp_ps_state.requests;
	uint64_t pid = (uint64_t)getpid(), cur = atomic_load(requests), n;

	do
		n = (cur >> 32 == pid ? cur + 1 : (pid << 32) + 1);
	while (!atomic_compare_exchange_weak(requests, &cur, n));
	return (unsigned)n;
}

/* namspill --no-watch names its report directory through its own root,
 * /proc/PID/root/DIR, so a process that mounted another /tmp reaches it.
 * Where that cannot be reached (a /proc of another pid namespace, /proc
 * hidden, another user's namspill), DIR itself may: log_path loses the
 * prefix.  1 if it did. */
static int log_path_plain(void)
{
	char *p = nsp_opt.log_path, *q;

	if (strncmp(p, "/proc/", 6))
		return 0;
	for (q = p + 6; *q >= '0' && *q <= '9'; q++)
		;
	if (q == p + 6 || strncmp(q, "/root/", 6))
		return 0;
	memmove(p, q + 5, strlen(q + 5) + 1);
	return 1;
}

/* Whether the directory of log_path can be reached (searched). */
static int log_dir_reachable(void)
{
	char dir[NSP_MAX_PATH];
	size_t n = strnlen(nsp_opt.log_path, sizeof(dir) - 1);
	char *slash;

	memcpy(dir, nsp_opt.log_path, n);
	dir[n] = 0;
	if (!(slash = strrchr(dir, '/')) || slash == dir)
		return 1;
	*slash = 0;
	return nsp_raw_syscall(SYS_access, (long)dir, X_OK, 0, 0) == 0;
}

/* log_path made absolute at start-up, so a report written after a chdir
 * still lands where log_path pointed when the program started.  Nothing
 * is held open for it: a thread in another mount namespace has its report
 * written from home (home.c). */
NSP_STARTUP void nsp_emit_init(const char *arena_kib)
{
	char cwd[NSP_MAX_PATH];
	size_t c, l;

	if (arena_kib)
		test_arena = (size_t)strtoul(arena_kib, NULL, 10) << 10;
	if (!nsp_opt.log_path[0])
		return;
	if (nsp_opt.log_path[0] == '/' && nsp_opt.log_path[1] == 'p' && !log_dir_reachable())
		log_path_plain();
	l = strlen(nsp_opt.log_path);
	if (nsp_opt.log_path[0] == '/' || nsp_log_stream(&nsp_opt) >= 0 ||
	    !getcwd(cwd, sizeof(cwd)) || (c = strlen(cwd)) + 1 + l + 1 > sizeof(nsp_opt.log_path))
		return;
	memmove(nsp_opt.log_path + c + 1, nsp_opt.log_path, l + 1);
	memcpy(nsp_opt.log_path, cwd, c);
	nsp_opt.log_path[c] = '/';
}

/* Who the process is, for the names of its files, where it is numbered
 * in a pid namespace below the host's: processes of different pid
 * namespaces may have the same pid (each container's first is 1), and
 * their files must not take each other's place.  who[0]: the namespace
 * (its inode), 0 in the host's, or where /proc cannot say; who[1]: the
 * inode of the process's pidfd, which the kernel (6.9, pidfs) never
 * gives two processes, else its start time (a namespace's inode may be
 * another's once it is gone).  Read once per process, and alike however
 * often: a vfork child reads its own into our memory. */
static _Atomic pid_t who_read_by;
static uint64_t who_ns, who_id;

static uint64_t start_time(pid_t pid)
{
	char buf[512];
	ssize_t n = nsp_proc_read(pid, "stat", buf, sizeof(buf));
	uint64_t t = 0;

	return n > 0 && !nsp_stat_num(buf, (size_t)n, 22, &t) ? t : 0;
}

static uint64_t pidfs_ino(pid_t pid)
{
	long fd = nsp_raw_syscall(SYS_pidfd_open, pid, 0, 0, 0);
	uint64_t ino;

	if (fd < 0)
		return 0;
	ino = nsp_pidfd_ino((int)fd);
	nsp_raw_syscall(SYS_close, fd, 0, 0, 0);
	return ino;
}

static const uint64_t *who_we_are(pid_t pid, uint64_t who[2])
{
	if (atomic_load_explicit(&who_read_by, memory_order_acquire) != pid) {
		who[0] = who[1] = 0;
		if ((who[0] = nsp_pidns_below_host("/proc/self/ns/pid"))) {
			/* No pidfd_open under a filter not ours: it might kill for it. */
			if (nsp_seccomp_state() != 0 || !(who[1] = pidfs_ino(pid)))
				who[1] = start_time(pid);
		}
		who_ns = who[0];
		who_id = who[1];
		atomic_store_explicit(&who_read_by, pid, memory_order_release);
	}
	who[0] = who_ns;
	who[1] = who_id;
	return who;
}

/* The file log_path.<pid>[-<pidns>-<id>][.<k>]<kind>[<n>] (see
 * nsp_log_name); -1 if the name does not fit. */
static int log_file(pid_t pid, unsigned k, const char *kind, unsigned n, char *path, size_t cap,
		    const char **name)
{
	uint64_t who[2];

	if (nsp_log_name(&nsp_opt, pid, who_we_are(pid, who), k, kind, n, path, cap))
		return -1;
	*name = path;
	return AT_FDCWD;
}

/* What tells this process from an earlier one that had its pid, and
 * stays through exec: "pidfs:<its pidfd's inode>", else "start:<its start
 * time>" (under a filter that may refuse pidfd_open); "" if neither. */
static void process_id(pid_t pid, char out[NSP_NUM_MAX + 8])
{
	uint64_t v = 0;
	const char *kind = "pidfs:";
	size_t n;

	if (nsp_raw_syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0) == 0)
		v = pidfs_ino(pid);
	if (!v) {
		kind = "start:";
		v = start_time(pid);
	}
	out[0] = 0;
	if (!v)
		return;
	n = strlen(kind);
	memcpy(out, kind, n);
	out[n + nsp_fmt_dec(out + n, v)] = 0;
}

/* Whether the marker at path was written by this process (by its image
 * before an exec): its "id" is id. */
static int marker_is_ours(const char *path, const char *id)
{
	char buf[256], want[NSP_NUM_MAX + 32];
	long fd = nsp_raw_syscall(SYS_openat, AT_FDCWD, (long)path,
				  O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	long n;
	size_t w;

	if (fd < 0)
		return 0;
	n = nsp_raw_syscall(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0);
	nsp_raw_syscall(SYS_close, fd, 0, 0, 0);
	if (n <= 0 || !id[0])
		return 0;
	buf[n] = 0;
	w = (size_t)(stpcpy(stpcpy(stpcpy(want, ",\"id\":\""), id), "\"") - want);
	return memmem(buf, (size_t)n, want, w) != NULL;
}

/* Which k this image's files take: chosen at its first file (its start
 * marker, else its first report), or at start-up where it can be asked
 * for reports, kept for the others.  A k is taken by an earlier process
 * that had this pid (the pid space goes round in a long run) if its
 * report is there, a marker of its (another id than ours), or its first
 * on-demand report: then the next, so that neither's files take the
 * other's place.
 * A marker of ours is this process's before an exec: the same k.  Two
 * processes never have one pid at once, so nothing else takes the name
 * between the look and the write. */
static _Atomic uint64_t files_named; /* pid << 32 | k */

struct marks {
	pid_t pid;
	int have_id;
	char id[NSP_NUM_MAX + 8];
};

/* Whether k holds a marker of another process (not of this one before an
 * exec), or, for a process that can be asked for reports, an earlier
 * one's on-demand report (they count from 1: the first says it). */
static int taken_otherwise(unsigned k, void *ctx)
{
	struct marks *m = ctx;
	char path[NSP_MAX_PATH + 32];
	const char *name;

	if (nsp_opt.report_signal &&
	    log_file(m->pid, k, ".request", 1, path, sizeof(path), &name) != -1 && nsp_log_taken(name))
		return 1;

	for (int threads = 0; threads < 2; threads++) {
		if (log_file(m->pid, k, threads ? ".threads" : ".start", 0, path, sizeof(path),
			     &name) == -1 ||
		    !nsp_log_taken(name))
			continue;
		if (!m->have_id++)
			process_id(m->pid, m->id);
		return !marker_is_ours(name, m->id);
	}
	return 0;
}

static unsigned files_k(pid_t pid)
{
	uint64_t v = atomic_load(&files_named), who[2];
	struct marks m = { pid, 0, "" };
	unsigned k;

	if (v >> 32 == (uint32_t)pid)
		return (unsigned)v;
	k = nsp_log_free(&nsp_opt, pid, who_we_are(pid, who), taken_otherwise, &m);
	atomic_store(&files_named, (uint64_t)(uint32_t)pid << 32 | k);
	/* For `namspill ps --stacks`, which looks for the file a request makes. */
	atomic_store(&nsp_ps_state.files, (uint64_t)(uint32_t)pid << 32 | (k + 1));
	return k;
}

/* Whether this process ever started a second thread: the flag is reset
 * in a fork child; the pid it was set in tells a vfork child (which shares
 * our memory and runs no fork handler) from the process it came from. */
static _Atomic int threads_marked;
static _Atomic pid_t threads_pid;

NSP_STARTUP int nsp_threaded(void)
{
	return atomic_load_explicit(&threads_marked, memory_order_relaxed) &&
	       atomic_load(&threads_pid) == getpid();
}

NSP_STARTUP static int markers_on(void)
{
	return nsp_opt.start_marker && nsp_log_stream(&nsp_opt) < 0 && !atomic_load(&nsp_passive);
}

/* Plain syscalls and a stack buffer: this runs in the constructor and in
 * the child of fork(). */
static void write_marker(int forked);

NSP_STARTUP void nsp_mark_start(int forked)
{
	atomic_store(&threads_marked, 0); /* a fork child has one thread */
	if (markers_on())
		write_marker(forked);
	else if (nsp_opt.report_signal && nsp_log_stream(&nsp_opt) < 0 && !atomic_load(&nsp_passive))
		files_k(getpid()); /* named before `ps --stacks` asks for a report */
}

/* Its own frame: the 12 KiB of it touch stack pages a process without
 * markers never needs. */
__attribute__((noinline)) static void write_marker(int forked)
{
	/* The command line, up to 4 KiB; one byte more tells a cut one. */
	char path[NSP_MAX_PATH + 32], tmp[NSP_MAX_PATH + 64], argv[4096 + 1];
	char id[NSP_NUM_MAX + 8];
	const char *name;
	pid_t pid = getpid();
	struct nsp_out o;
	ssize_t n;
	int dfd, fd, cut, bad, saved = errno;

	if ((dfd = log_file(pid, files_k(pid), ".start", 0, path, sizeof(path), &name)) == -1 ||
	    (fd = nsp_file_create(dfd, name, tmp, sizeof(tmp))) < 0) {
		errno = saved;
		return; /* the report, if any, will say why it cannot be written */
	}
	n = nsp_proc_read(pid, "cmdline", argv, sizeof(argv));
	cut = n == (ssize_t)sizeof(argv);
	process_id(pid, id);
	nsp_out_init(&o, fd);
	nsp_out_str(&o, "{\"pid\":");
	nsp_out_i64(&o, pid);
	nsp_out_str(&o, ",\"id\":\"");
	nsp_out_str(&o, id);
	nsp_out_str(&o, "\",\"ppid\":");
	nsp_out_i64(&o, getppid());
	nsp_out_str(&o, forked ? ",\"forked\":true,\"argv\":" : ",\"forked\":false,\"argv\":");
	nsp_out_json_strv(&o, argv, n <= 0 ? 0 : cut ? sizeof(argv) - 1 : (size_t)n);
	nsp_out_str(&o, cut ? ",\"argv_truncated\":true}\n" : ",\"argv_truncated\":false}\n");
	bad = nsp_out_flush(&o) != 0;
	bad |= close(fd) != 0; /* closed whatever the flush did */
	if (bad || renameat(dfd, tmp, dfd, name))
		unlinkat(dfd, tmp, 0);
	errno = saved;
}

/* Once per process, at its first thread: until then no thread of it can
 * be spilled (it is its own majority), so a process that ends without a
 * report (a shell's _exit) is only a worry after this. */
void nsp_mark_threads(void)
{
	char from[NSP_MAX_PATH + 32], to[NSP_MAX_PATH + 32];
	const char *f, *t;
	pid_t pid;
	int dfd, saved;

	if (atomic_load_explicit(&threads_marked, memory_order_relaxed) ||
	    atomic_exchange(&threads_marked, 1))
		return;
	nsp_arm();
	saved = errno;
	pid = getpid();
	atomic_store(&threads_pid, pid);
	if (!markers_on()) {
		errno = saved;
		return;
	}
	dfd = log_file(pid, files_k(pid), ".start", 0, from, sizeof(from), &f);
	if (dfd != -1 && log_file(pid, files_k(pid), ".threads", 0, to, sizeof(to), &t) != -1)
		renameat(dfd, f, dfd, t);
	errno = saved;
}

/* The report is in place: the process is accounted for. */
static void unmark(pid_t pid)
{
	char path[NSP_MAX_PATH + 32];
	const char *name;
	int dfd;

	for (int threads = 0; threads < 2; threads++)
		if ((dfd = log_file(pid, files_k(pid), threads ? ".threads" : ".start", 0, path,
				    sizeof(path), &name)) != -1)
			unlinkat(dfd, name, 0);
}

/* 0 if written where log_path says; otherwise the caller falls back to
 * stderr (path: the file it could not write). */
static int write_log(const struct nsp_report *r, struct nsp_sym *s, unsigned request,
		     char path[NSP_MAX_PATH + 32])
{
	const char *name;
	int fd = nsp_log_stream(&nsp_opt), dfd;
	const char *kind = request ? ".request" : "";
	unsigned k;

	path[0] = 0;
	if (fd >= 0) {
		nsp_write_report(fd, r, s, nsp_opt.json);
		return 0;
	}
	k = files_k(r->pid);
	dfd = log_file(r->pid, k, kind, request, path, NSP_MAX_PATH + 32, &name);
	if (dfd == -1)
		return -ENAMETOOLONG;
	if (!nsp_report_to_file(dfd, name, r, s, nsp_opt.json))
		return 0;
	/* Its own root out of reach since start-up: the directory itself. */
	if (!log_path_plain())
		return -1;
	dfd = log_file(r->pid, k, kind, request, path, NSP_MAX_PATH + 32, &name);
	return dfd == -1 ? -ENAMETOOLONG : nsp_report_to_file(dfd, name, r, s, nsp_opt.json);
}

struct mem {
	char *buf;
	size_t len, cap;
	int full;
};

static void to_mem(void *ctx, const char *s, size_t n)
{
	struct mem *m = ctx;

	if (n > m->cap - m->len) {
		m->full = 1;
		n = m->cap - m->len;
	}
	memcpy(m->buf + m->len, s, n);
	m->len += n;
}

/* Under namspill's supervisor: the report, as JSON, handed to it through
 * the watch call (lib/base/watch.h); it reads it from our memory while we
 * wait.  A report with spills is handed over, and one taken at a fatal
 * signal: the process dies of it without the exit_group the supervisor
 * stops to look at it, so without it the supervisor could only say it
 * was not judged.  Any other clean report is not: the supervisor's own
 * look at the process at its end says as much.  Not handed over (the
 * supervisor is gone), it is dropped: under namspill nothing goes into
 * the program's own output. */
static void hand_over(const struct nsp_report *r, struct nsp_sym *s)
{
	size_t want = TEXT_BASE + r->nspills * TEXT_PER_SPILL;
	int worth = r->nspills || r->trigger == NSP_TRIGGER_SIGNAL;

	for (; worth && want <= ARENA_MAX; want *= 4) {
		struct mem m = { NULL, 0, 0, 0 };
		struct nsp_arena text; /* its own: naming frames still allocates */
		struct nsp_out o;

		if (nsp_arena_init(&text, want))
			return;
		if ((m.buf = nsp_arena_rest(&text, &m.cap))) {
			nsp_out_init_sink(&o, to_mem, &m);
			nsp_write_json(&o, r, s);
			nsp_out_flush(&o);
			if (!m.full)
				nsp_watch_syscall(NSP_WATCH_NR, NSP_WATCH_REPORT, (long)m.buf,
						  (long)m.len, nsp_opt.watch);
		}
		nsp_arena_fini(&text);
		if (!m.full)
			return;
	}
}

/* Under namspill's supervisor, which sees no keyed switch and reads a
 * process's namespaces at its end only if told it moved: the first switch
 * of each process is told, before it is made (a process killed right after
 * it still counts as moved; one whose call then fails is read again for
 * nothing).  A fork child is a process of its own (nsp_watch_forget_told);
 * a vfork child, which runs no fork handler and shares this memory, has a
 * pid of its own.  Threads switching first at once each tell (the
 * supervisor takes it twice); none switches before it is told.  Returns 0
 * once told; -1 if the supervisor did not answer (it is gone, or a filter
 * of the program's own refused the call): the switch is then made without
 * the key, so that namspill's filter stops it. */
static _Atomic pid_t told;

int nsp_watch_tell_switch(void)
{
	pid_t pid = getpid();
	long r;

	if (atomic_load(&told) == pid)
		return 0;
	do
		r = nsp_watch_syscall(NSP_WATCH_NR, NSP_WATCH_SWITCHED, 0, 0, nsp_opt.watch);
	while (r == -EINTR); /* a signal came before the supervisor took it */
	if (r != NSP_WATCH_ACK)
		return -1;
	atomic_store(&told, pid);
	return 0;
}

void nsp_watch_forget_told(void)
{
	atomic_store(&told, 0);
}

/* Where log_path says, else on stderr; but a report with nothing to say
 * (no spill, nothing unjudged, not asked for) never goes into the
 * program's stderr, nor does a word about a file it could not have. */
static void emit_report(const struct nsp_report *r, struct nsp_sym *s, unsigned request)
{
	char path[NSP_MAX_PATH + 32];
	int worth = request || r->proc_err || r->nspills > r->nsuppressed || nsp_opt.verbosity > 0;

	if (nsp_opt.log_path[0] && !write_log(r, s, request, path)) {
		if (markers_on() && !request)
			unmark(r->pid);
		return;
	}
	if (!worth)
		return;
	if (nsp_opt.log_path[0])
		nsp_msg("cannot write report to ", path[0] ? path : nsp_opt.log_path,
			"; writing it to stderr instead");
	nsp_write_report(2, r, s, nsp_opt.json);
}

/* Frames are named by namspill-symbolize, so nothing here allocates or
 * takes the loader's lock: the exit report may run in the program's own
 * signal handler (one that calls exit()), and from a thread away from
 * home the helper still finds the files by their paths.  Where it does
 * not answer, the exit report names frames here; a report in our signal
 * handler keeps module and offset. */
static struct nsp_sym *symbolizer(struct nsp_arena *a, const struct nsp_report *r, int async,
				  struct nsp_symext_early *early)
{
	struct nsp_sym *s;

	if (r->proc_err || !r->nspills) {
		nsp_symext_cancel(early);
		return nsp_sym_open(a);
	}
	if ((s = nsp_symext_open(a, r, early)))
		return s;
	if (!async)
		return nsp_sym_open_dw(a, 0);
	nsp_msg("frames left unnamed: ", nsp_symext_helper(), " did not answer");
	return nsp_sym_open(a);
}

static uint64_t us_between(const struct timespec *a, const struct timespec *b)
{
	int64_t d = (int64_t)(b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000;

	return d > 0 ? (uint64_t)d : 0;
}

/* verbosity=2: where a report's time went (t: start, threads read and
 * explained, frames named, written), in microseconds. */
static void say_times(const struct nsp_report *r, const struct timespec t[4])
{
	struct nsp_out o;

	nsp_out_init(&o, 2);
	nsp_out_str(&o, "namspill: report of ");
	nsp_out_u64(&o, r->nthreads);
	nsp_out_str(&o, " threads: read in ");
	nsp_out_u64(&o, us_between(&t[0], &t[1]));
	nsp_out_str(&o, " us, frames named in ");
	nsp_out_u64(&o, us_between(&t[1], &t[2]));
	nsp_out_str(&o, " us more, written in ");
	nsp_out_u64(&o, us_between(&t[2], &t[3]));
	nsp_out_str(&o, r->read_how & NSP_READ_KNOWN ? " us; threads as recorded" :
						       " us; threads listed");
	nsp_out_str(&o, r->read_how & NSP_READ_PIDFDS ? ", namespaces read through pidfds\n" :
							", namespaces read from /proc\n");
	nsp_out_flush(&o);
}

/* An arena of want bytes, or less where the address space or the commit
 * limit has no room for that much. */
static int arena_get(struct nsp_arena *a, size_t want)
{
	for (size_t n = want; n >= ARENA_MIN; n /= 2)
		if (!nsp_arena_init(a, n))
			return 0;
	return -ENOMEM;
}

/* verbosity=2: how much of its memory the report used. */
static void say_memory(const char *what, const struct nsp_arena *a)
{
	struct nsp_out o;

	nsp_out_init(&o, 2);
	nsp_out_str(&o, "namspill: ");
	nsp_out_str(&o, what);
	nsp_out_str(&o, " memory: ");
	nsp_out_u64(&o, (uint64_t)(a->used >> 10));
	nsp_out_str(&o, " KiB used of ");
	nsp_out_u64(&o, (uint64_t)(a->cap >> 10));
	nsp_out_str(&o, " KiB\n");
	nsp_out_flush(&o);
}

struct job {
	enum nsp_trigger trigger;
	int signo;
	pid_t tid; /* the thread the report is asked on */
	int result;
};

static void report(void *arg)
{
	struct job *j = arg;
	struct timespec t[4];
	struct nsp_arena a, names;
	struct nsp_report r;
	struct nsp_symext_early *early;
	struct nsp_sym *s;
	int names_ok;
	/* In a signal handler nothing that may take a lock or allocate can
	 * run here: frames are named by another process. */
	int async = j->trigger == NSP_TRIGGER_SIGNAL || j->trigger == NSP_TRIGGER_REQUEST;
	unsigned request = j->trigger == NSP_TRIGGER_REQUEST ? next_request() : 0;

	size_t want = test_arena ? test_arena :
			       ARENA_BASE + nsp_proc_thread_count(0) * ARENA_PER_THREAD;

	/* A fatal signal often ends the whole tree at once (a timeout): the
	 * supervisor is told first, so it waits for this report. */
	if (nsp_opt.watch && j->trigger == NSP_TRIGGER_SIGNAL)
		nsp_watch_syscall(NSP_WATCH_NR, NSP_WATCH_DYING, 0, 0, nsp_opt.watch);
	clock_gettime(CLOCK_MONOTONIC, &t[0]);
	for (;;) {
		if (arena_get(&a, want > ARENA_MAX ? ARENA_MAX : want)) {
			nsp_msg("cannot map memory for the report", NULL, NULL);
			j->result = -ENOMEM;
			return;
		}
		early = nsp_symext_early(&a);
		nsp_report_collect(&r, &a, j->tid, j->trigger, j->signo);
		if (r.proc_err != -ENOMEM || a.cap >= ARENA_MAX)
			break;
		want = a.cap * 4;
		nsp_symext_cancel(early);
		nsp_arena_fini(&a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t[1]);
	/* Naming needs memory by the spills (their stacks), not the threads:
	 * an arena of its own, or what is left of this one. */
	names_ok = !r.proc_err && r.nspills &&
		   !arena_get(&names, NAMES_BASE + r.nspills * NAMES_PER_SPILL > ARENA_MAX ?
					      ARENA_MAX : NAMES_BASE + r.nspills * NAMES_PER_SPILL);
	s = symbolizer(names_ok ? &names : &a, &r, async, early);
	clock_gettime(CLOCK_MONOTONIC, &t[2]);
	j->result = r.proc_err ? r.proc_err : (int)nsp_report_suppress(&r, s, &nsp_rules);
	if (nsp_opt.watch && !request)
		hand_over(&r, s);
	else
		emit_report(&r, s, request);
	clock_gettime(CLOCK_MONOTONIC, &t[3]);
	if (nsp_opt.verbosity >= 2) {
		if (nsp_symext_outcome(early))
			nsp_msg("symbolizer started before the threads were read: ",
				nsp_symext_outcome(early), NULL);
		say_times(&r, t);
		say_memory("report", &a);
		if (names_ok)
			say_memory("naming", &names);
	}
	nsp_sym_close(s);
	if (names_ok)
		nsp_arena_fini(&names);
	nsp_arena_fini(&a);
}

int nsp_self_report(enum nsp_trigger trigger, int signo)
{
	struct job j = { trigger, signo, gettid(), 0 };
	int saved = errno, cancel, how;

	/* The report opens, reads and writes files: cancellation points.  A
	 * cancellation pending on this thread is for the program's own next
	 * one, not for ours (it would end the thread mid-report, or a thread
	 * calling exit() instead of the process); a helper at home shares
	 * this thread's state, so it is held off there too. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	/* A thread away from home has it taken at home (home.c); a process
	 * holding every descriptor its limit allows, by a helper with room. */
	how = (nsp_home_away() ? NSP_HELPER_HOME : 0) | (nsp_fds_full() ? NSP_HELPER_ROOM : 0);
	if (!how || nsp_helper_run(report, &j, how))
		report(&j);
	pthread_setcancelstate(cancel, NULL);
	errno = saved;
	return j.result;
}

/* verbosity=2: how big the pools grew.  Their high-water marks are the
 * most records and events ever alive at once, so a test can tell bounded
 * memory from a leak without reading the process's RSS. */
void nsp_emit_pool_stats(void)
{
	struct nsp_out o;

	nsp_out_init(&o, 2);
	nsp_out_str(&o, "namspill: pools: thread records ");
	nsp_out_u64(&o, nsp_pool_high(&nsp_threads));
	nsp_out_str(&o, " (");
	nsp_out_u64(&o, nsp_pool_bytes(&nsp_threads));
	nsp_out_str(&o, " bytes), events ");
	nsp_out_u64(&o, nsp_pool_high(&nsp_events));
	nsp_out_str(&o, " (");
	nsp_out_u64(&o, nsp_pool_bytes(&nsp_events));
	nsp_out_str(&o, " bytes), path entries ");
	nsp_out_u64(&o, nsp_pool_high(&nsp_hists));
	nsp_out_str(&o, " (");
	nsp_out_u64(&o, nsp_pool_bytes(&nsp_hists));
	nsp_out_str(&o, " bytes) in paths ");
	nsp_out_u64(&o, nsp_pool_high(&nsp_paths));
	nsp_out_str(&o, " (");
	nsp_out_u64(&o, nsp_pool_bytes(&nsp_paths));
	nsp_out_str(&o, " bytes)\n");
	nsp_out_flush(&o);
}

