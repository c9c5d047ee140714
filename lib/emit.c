/* Where a report goes: log_path.<pid> (written under a temporary name and
 * renamed, so a file that exists is whole), else stderr when there is
 * something to say.  On-demand reports go to log_path.<pid>.request<N>,
 * N counting from 1 in each process, so none overwrites another. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nsp.h"

#define ARENA_SIZE ((size_t)256 << 20)

static _Atomic uint64_t requests; /* (pid << 32) | reports requested */

/* The number of this process's next on-demand report; a fork child
 * counts from 1 again. */
static unsigned next_request(void)
{
	uint64_t pid = (uint64_t)getpid(), cur = atomic_load(&requests), n;

	do
		n = (cur >> 32 == pid ? cur + 1 : (pid << 32) + 1);
	while (!atomic_compare_exchange_weak(&requests, &cur, n));
	return (unsigned)n;
}

static void append_num(char *buf, size_t cap, const char *sep, uint64_t v)
{
	char num[24];
	int i = sizeof(num);
	size_t l = strlen(buf), ls = strlen(sep);

	num[--i] = 0;
	do
		num[--i] = (char)('0' + v % 10);
	while (v /= 10);
	if (l + ls + sizeof(num) - (size_t)i > cap)
		return;
	memcpy(buf + l, sep, ls);
	memcpy(buf + l + ls, num + i, sizeof(num) - (size_t)i);
}

int nsp_write_report(int fd, const struct nsp_report *r, struct nsp_sym *s, int json)
{
	struct nsp_out o;

	nsp_out_init(&o, fd);
	if (json)
		nsp_write_json(&o, r, s);
	else
		nsp_write_text(&o, r, s);
	return nsp_out_flush(&o);
}

static void write_to(int fd, const struct nsp_report *r, struct nsp_sym *s, int *err)
{
	*err = -nsp_write_report(fd, r, s, nsp_opt.json);
}

/* The log directory as found at start-up, so a report written from a
 * thread in another mount namespace (or after a chdir) still lands where
 * log_path pointed when the program started. */
static struct nsp_anchor log_dir = { .fd = -1 };

static int log_to_file(void)
{
	return nsp_opt.log_path[0] && strcmp(nsp_opt.log_path, "stderr") &&
	       strcmp(nsp_opt.log_path, "stdout");
}

void nsp_emit_init(void)
{
	char dir[NSP_MAX_PATH];
	const char *slash = strrchr(nsp_opt.log_path, '/');

	if (!log_to_file())
		return;
	if (!slash) {
		strcpy(dir, ".");
	} else {
		size_t n = slash == nsp_opt.log_path ? 1 : (size_t)(slash - nsp_opt.log_path);
		memcpy(dir, nsp_opt.log_path, n);
		dir[n] = 0;
	}
	nsp_anchor_open(&log_dir, dir, O_PATH | O_DIRECTORY);
}

/* Where to open path, a name under log_path: the directory held from
 * start-up and the last part, or (if none is held) as it is. */
static int log_at(const char *path, const char **name)
{
	int dfd = nsp_anchor_fd(&log_dir);
	const char *slash = strrchr(path, '/');

	*name = dfd >= 0 && slash ? slash + 1 : path;
	return dfd >= 0 ? dfd : AT_FDCWD;
}

/* 0 if written to the log file; otherwise the caller falls back to stderr. */
static int write_log(const struct nsp_report *r, struct nsp_sym *s, unsigned request)
{
	char path[NSP_MAX_PATH + 32], tmp[NSP_MAX_PATH + 64];
	const char *name, *tname;
	int dfd, fd, err = 0;

	if (!log_to_file()) {
		write_to(nsp_opt.log_path[3] == 'o' ? 1 : 2, r, s, &err);
		return 0;
	}
	strcpy(path, nsp_opt.log_path);
	append_num(path, sizeof(path), ".", (uint64_t)r->pid);
	if (request)
		append_num(path, sizeof(path), ".request", request);
	strcpy(tmp, path);
	strcat(tmp, ".tmp");
	dfd = log_at(path, &name);
	tname = tmp + (name - path);
	fd = openat(dfd, tname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
	} else {
		write_to(fd, r, s, &err);
		if (close(fd) && !err)
			err = errno;
		if (!err && renameat(dfd, tname, dfd, name))
			err = errno;
		if (err)
			unlinkat(dfd, tname, 0);
	}
	if (err) {
		nsp_msg("cannot write report to ", path, "; writing it to stderr instead");
		return -1;
	}
	return 0;
}

static _Atomic int threads_marked;

/* PATH.<pid>.start, or .threads once the process has started a thread. */
static void marker_path(char *path, size_t cap, pid_t pid, int threads)
{
	path[0] = 0;
	if (strlen(nsp_opt.log_path) + 32 > cap)
		return;
	strcpy(path, nsp_opt.log_path);
	append_num(path, cap, ".", (uint64_t)pid);
	strcat(path, threads ? ".threads" : ".start");
}

/* Plain syscalls and a stack buffer: this runs in the constructor and in
 * the child of fork(). */
void nsp_mark_start(int forked)
{
	char path[NSP_MAX_PATH + 32], argv[4096];
	const char *name;
	pid_t pid = getpid();
	struct nsp_out o;
	ssize_t n;
	int dfd, fd, saved = errno;

	atomic_store(&threads_marked, 0); /* a fork child has one thread */
	if (!nsp_opt.start_marker || !log_to_file() || atomic_load(&nsp_passive))
		return;
	marker_path(path, sizeof(path), pid, 0);
	dfd = log_at(path, &name);
	fd = path[0] ? openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
	if (fd < 0) {
		errno = saved;
		return; /* the report, if any, will say why it cannot be written */
	}
	n = nsp_proc_read(pid, "cmdline", argv, sizeof(argv));
	nsp_out_init(&o, fd);
	nsp_out_str(&o, "{\"pid\":");
	nsp_out_i64(&o, pid);
	nsp_out_str(&o, ",\"ppid\":");
	nsp_out_i64(&o, getppid());
	nsp_out_str(&o, forked ? ",\"forked\":true,\"argv\":" : ",\"forked\":false,\"argv\":");
	nsp_out_json_strv(&o, argv, n > 0 ? (size_t)n : 0);
	nsp_out_str(&o, "}\n");
	nsp_out_flush(&o);
	close(fd);
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
	    atomic_exchange(&threads_marked, 1) || !nsp_opt.start_marker || !log_to_file())
		return;
	saved = errno;
	pid = getpid();
	marker_path(from, sizeof(from), pid, 0);
	marker_path(to, sizeof(to), pid, 1);
	dfd = log_at(from, &f);
	log_at(to, &t);
	if (from[0] && to[0])
		renameat(dfd, f, dfd, t);
	errno = saved;
}

static void emit_report(const struct nsp_report *r, struct nsp_sym *s, unsigned request)
{
	char path[NSP_MAX_PATH + 32];
	int err = 0;

	if (!nsp_opt.log_path[0] || write_log(r, s, request)) {
		if (request || r->proc_err || r->nspills > r->nsuppressed || nsp_opt.verbosity > 0)
			write_to(2, r, s, &err);
	} else if (nsp_opt.start_marker && log_to_file() && !request) {
		/* The report is in place: the process is accounted for. */
		const char *name;
		int dfd;
		for (int threads = 0; threads < 2; threads++) {
			marker_path(path, sizeof(path), r->pid, threads);
			dfd = log_at(path, &name);
			unlinkat(dfd, name, 0);
		}
	}
}

void nsp_emit_report(const struct nsp_report *r, struct nsp_sym *s)
{
	emit_report(r, s, 0);
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
		return nsp_sym_open(a, 0);
	}
	if ((s = nsp_symext_open(a, r, early)))
		return s;
	if (!async)
		return nsp_sym_open(a, 1);
	nsp_msg("frames left unnamed: ", nsp_symext_helper(), " did not answer");
	return nsp_sym_open(a, 0);
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
	nsp_out_str(&o, " us\n");
	nsp_out_flush(&o);
}

int nsp_emit(const char *trigger, int signo)
{
	struct timespec t[4];
	struct nsp_arena a;
	struct nsp_report r;
	struct nsp_symext_early *early;
	struct nsp_sym *s;
	int saved = errno, n;
	/* In a signal handler nothing that may take a lock or allocate can
	 * run here: frames are named by another process. */
	int async = !strcmp(trigger, "signal") || !strcmp(trigger, "request");
	unsigned request = !strcmp(trigger, "request") ? next_request() : 0;

	if (nsp_arena_init(&a, ARENA_SIZE)) {
		nsp_msg("cannot map memory for the report", NULL, NULL);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t[0]);
	early = nsp_symext_early(&a);
	nsp_report_collect(&r, &a, trigger, signo);
	clock_gettime(CLOCK_MONOTONIC, &t[1]);
	s = symbolizer(&a, &r, async, early);
	clock_gettime(CLOCK_MONOTONIC, &t[2]);
	n = r.proc_err ? -1 : (int)nsp_report_suppress(&r, s);
	emit_report(&r, s, request);
	clock_gettime(CLOCK_MONOTONIC, &t[3]);
	if (nsp_opt.verbosity >= 2) {
		if (nsp_symext_outcome(early))
			nsp_msg("symbolizer started before the threads were read: ",
				nsp_symext_outcome(early), NULL);
		say_times(&r, t);
	}
	nsp_sym_close(s);
	nsp_arena_fini(&a);
	errno = saved;
	return n;
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
	nsp_out_str(&o, " bytes)\n");
	nsp_out_flush(&o);
}

