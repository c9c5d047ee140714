/* namspill ps --stacks: ask a running process for its report.  A process
 * started with NAMSPILL_OPTIONS=report_signal=SIG:log_path=P writes, on
 * that signal, a report with trigger "request" to P.<pid>[.<k>].request<N>
 * (N = 1, 2, ... per process; .<k> where an earlier process that had the
 * pid left files there, the k its state says).
 *
 * The process is not trusted: ps may run as root on another user's
 * process.  Before anything is sent, the library's own state, read from
 * the process's memory (peek.c), must say that its handler is the one
 * installed for the signal: sent to a handler of the program's, the
 * signal would run the program's code (and, with none, end it).  The
 * process is held by a pidfd from the start, so a pid reused meanwhile
 * gets nothing.  The report is looked for where the library writes it
 * (its log directory held from start-up, else log_path as it resolves in
 * the process), under the one name this request makes, opened without
 * following links, and taken only if it is a regular file of the
 * process's user. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/pidfd.h"
#include "cli.h"

#define WAIT_MS 10000
#define POLL_MS 20
#define MAX_REPORT ((size_t)64 << 20)

static const char setting[] = "NAMSPILL_OPTIONS=report_signal=SIGUSR2:log_path=/tmp/nsp";

struct target {
	pid_t pid;
	pid_t own;             /* its pid in its own pid namespace (the last of NSpid) */
	uint64_t who[2];       /* its pid namespace and id there, for its files' names */
	int pidfd;             /* -1 where the kernel has no pidfd_open */
	uid_t fsuid;           /* whose files its reports are */
	unsigned long long caught; /* SigCgt */
	struct nsp_ps_state st;
};

/* The signal to the process the pidfd holds; sig 0: is it still there? */
static int send_to(const struct target *t, int sig)
{
	if (t->pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, t->pidfd, sig, NULL, 0);
	return kill(t->pid, sig);
}

/* Who the library in the process says it is in its files' names, as
 * lib/rt/emit.c works it out (see nsp_log_name): nothing in the host's
 * first pid namespace; elsewhere that namespace and the process's pidfd
 * inode (pidfs), else its start time. */
static void who_is(struct target *t)
{
	char path[64], buf[512];
	ssize_t n;

	t->who[0] = t->who[1] = 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)t->pid);
	if (!(t->who[0] = nsp_pidns_below_host(path)))
		return;
	if (t->pidfd >= 0 && (t->who[1] = nsp_pidfd_ino(t->pidfd)))
		;
	else if ((n = nsp_proc_read(t->pid, "stat", buf, sizeof(buf))) > 0)
		nsp_stat_num(buf, (size_t)n, 22, &t->who[1]);
}

/* Whose files the process creates (the fs uid of "Uid:") and which
 * signals it catches; 0 or a negative errno. */
static int read_status(struct target *t)
{
	char buf[4096];
	ssize_t n = nsp_proc_read(t->pid, "status", buf, sizeof(buf) - 1);
	unsigned long ids[4];
	uint64_t cgt, own;
	const char *u;

	if (n < 0)
		return (int)n;
	buf[n] = 0;
	u = strstr(buf, "\nUid:");
	if (!u || sscanf(u + 5, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) != 4 ||
	    nsp_status_num(buf, (size_t)n, "SigCgt", 16, &cgt))
		return -EINVAL;
	t->fsuid = (uid_t)ids[3];
	t->caught = cgt;
	if (nsp_status_last(buf, (size_t)n, "NSpid", &own) || !own || own > INT32_MAX)
		own = (uint64_t)t->pid;
	t->own = (pid_t)own;
	who_is(t);
	return 0;
}

/* What stops a request, in words; NULL if nothing does. */
static const char *refused(const struct target *t, char *why, size_t cap)
{
	const struct nsp_ps_state *st = &t->st;
	int sig = atomic_load(&st->report_signal);
	char name[NSP_SIGNAME_MAX];

	if (!sig)
		return "has no report_signal in its NAMSPILL_OPTIONS (a setuid program ignores them)";
	nsp_sig_name(sig, name);
	if (!atomic_load(&st->owned)) {
		snprintf(why, cap, "handles or ignores %s itself, so the library cannot answer it; "
			 "not sending it (the program's handler would run)", name);
		return why;
	}
	if (!((t->caught >> (sig - 1)) & 1)) {
		snprintf(why, cap, "has no handler for %s in the kernel (changed behind the "
			 "library's back?); not sending it, it could end the process", name);
		return why;
	}
	if (!st->log_path[0] || !strcmp(st->log_path, "stderr") || !strcmp(st->log_path, "stdout"))
		return "writes its reports to stderr, not to a log_path file";
	return NULL;
}

/* The log directory as the library writes into it: log_path (absolute
 * since start-up) as it resolves at the process's root, or relative to its
 * working directory for a library that did not make it absolute. */
static int open_log_dir(const struct target *t)
{
	const struct nsp_ps_state *st = &t->st;
	const char *slash = strrchr(st->log_path, '/');
	int dn = slash ? (int)(slash - st->log_path) : 0;
	char path[CLI_PATH];

	if (st->log_path[0] == '/')
		snprintf(path, sizeof(path), "/proc/%d/root%.*s/", (int)t->pid, dn, st->log_path);
	else
		snprintf(path, sizeof(path), "/proc/%d/cwd/%.*s", (int)t->pid, dn, st->log_path);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* The k of the process's files, as its state says: 1 and *k, or 0 if the
 * library has not chosen it yet (it does before it writes a file). */
static int files_k(const struct target *t, unsigned *k)
{
	uint64_t f = atomic_load(&t->st.files);

	if (f >> 32 != (uint64_t)t->own || !(uint32_t)f || (uint32_t)f - 1 > NSP_LOG_LATER_MAX)
		return 0;
	*k = (uint32_t)f - 1;
	return 1;
}

/* The file this request makes: base.PID[.K].request<N>, N one more than
 * the process has counted; K 0 while not known. */
static void request_name(const struct target *t, char *name, size_t cap)
{
	const char *slash = strrchr(t->st.log_path, '/');
	uint64_t r = atomic_load(&t->st.requests);
	unsigned n = r >> 32 == (uint64_t)t->own ? (unsigned)r + 1 : 1, k = 0;
	char tag[48] = "", later[16] = "";

	if (t->who[0])
		snprintf(tag, sizeof(tag), "-%llu-%llu", (unsigned long long)t->who[0],
			 (unsigned long long)t->who[1]);
	if (files_k(t, &k) && k)
		snprintf(later, sizeof(later), ".%u", k);
	/* Named by its own pid, as its library names it. */
	snprintf(name, cap, "%s.%d%s%s.request%u", slash ? slash + 1 : t->st.log_path,
		 (int)t->own, tag, later, n);
}

/* The report, if it is a regular file of the process's user; NULL after
 * saying why not. */
static char *take(const struct target *t, int dir, const char *name, size_t *len)
{
	int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat s;
	char *text = NULL;

	if (fd < 0) {
		cli_err("ps --stacks: %d: cannot open its report %s: %s", (int)t->pid, name,
			errno == ELOOP ? "a symbolic link, not read" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &s) || !S_ISREG(s.st_mode) || s.st_uid != t->fsuid ||
	    (size_t)s.st_size > MAX_REPORT)
		cli_err("ps --stacks: %d: %s is not a report file of its user (uid %u), not read",
			(int)t->pid, name, (unsigned)t->fsuid);
	else if (!(text = cli_slurp_fd(fd, len)))
		cli_err("ps --stacks: %d: cannot read %s: %s", (int)t->pid, name, strerror(errno));
	close(fd);
	return text;
}

/* The file under name, if it is not the one that was there before. */
static int appeared(int dir, const char *name, const struct stat *before)
{
	struct stat s;

	return fstatat(dir, name, &s, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (s.st_dev != before->st_dev || s.st_ino != before->st_ino);
}

/* Waits a step; 1 if the process has ended meanwhile (a pidfd is
 * readable once it has, zombie or not). */
static int ended(const struct target *t, const struct timespec *step)
{
	struct pollfd p = { t->pidfd, POLLIN, 0 };

	if (t->pidfd >= 0)
		return poll(&p, 1, (int)(step->tv_nsec / 1000000)) > 0;
	nanosleep(step, NULL);
	return send_to(t, 0) && errno == ESRCH;
}

/* Waits for the report at name; one whose k was not known when the
 * signal was sent is looked for where the process's state says, once it
 * does (read again at each step until then). */
static int wait_request(struct target *t, int dir, char *name, size_t cap,
			const struct stat *before, FILE *out)
{
	struct timespec step = { 0, POLL_MS * 1000000L };
	int known = files_k(t, &(unsigned){ 0 });
	struct nsp_ps_state now;
	size_t len;
	char *text;

	for (int waited = 0; waited < WAIT_MS; waited += POLL_MS) {
		/* Only the k is taken from the new reading: the rest stays as
		 * checked before the signal was sent. */
		if (!known && !cli_peek_state(t->pid, &now)) {
			atomic_store(&t->st.files, atomic_load(&now.files));
			if ((known = files_k(t, &(unsigned){ 0 })))
				request_name(t, name, cap);
		}
		if (appeared(dir, name, before)) {
			if (!(text = take(t, dir, name, &len)))
				return -1;
			fwrite(text, 1, len, out);
			free(text);
			return 0;
		}
		/* Written, then ended within the same step: the report counts. */
		if (ended(t, &step) && !appeared(dir, name, before)) {
			cli_err("ps --stacks: %d ended before writing its report", (int)t->pid);
			return -1;
		}
	}
	cli_err("ps --stacks: no report from %d within %d s (looked for %s)", (int)t->pid,
		WAIT_MS / 1000, name);
	return -1;
}

static int ask(struct target *t, FILE *out)
{
	char why[256], name[NSP_MAX_PATH + 48], sig[NSP_SIGNAME_MAX];
	const char *no;
	struct stat before = { 0 };
	int e, dir;

	if ((e = read_status(t))) {
		cli_err("ps --stacks: %d: cannot read /proc/%d/status: %s", (int)t->pid, (int)t->pid,
			strerror(-e));
		return -1;
	}
	if ((e = cli_peek_state(t->pid, &t->st))) {
		if (e == -ENXIO || e == -ENOENT)
			cli_err("ps --stacks: %d %s; start it with LD_PRELOAD=libnamspill.so and %s "
				"(report_signal: any signal the program leaves alone; log_path: "
				"where report files go)", (int)t->pid,
				e == -ENXIO ? "does not run with libnamspill" :
					      "runs another version of libnamspill than this namspill",
				setting);
		else
			cli_err("ps --stacks: %d: cannot read its memory to check that the library's "
				"handler would get the signal: %s (reading another process's memory "
				"needs the right to trace it); not sending anything", (int)t->pid,
				strerror(-e));
		return -1;
	}
	if ((no = refused(t, why, sizeof(why)))) {
		cli_err("ps --stacks: %d %s; start it with LD_PRELOAD=libnamspill.so and %s "
			"(report_signal: any signal the program leaves alone; log_path: where "
			"report files go)", (int)t->pid, no, setting);
		return -1;
	}
	if ((dir = open_log_dir(t)) < 0) {
		cli_err("ps --stacks: %d: cannot open the directory of its log_path %s: %s",
			(int)t->pid, t->st.log_path, strerror(errno));
		return -1;
	}
	request_name(t, name, sizeof(name));
	fstatat(dir, name, &before, AT_SYMLINK_NOFOLLOW);
	/* Every read above was of this process if it is still there: its
	 * pid cannot have been reused while the pidfd holds it alive or a
	 * zombie. */
	if (send_to(t, atomic_load(&t->st.report_signal))) {
		cli_err("ps --stacks: cannot send %s to %d: %s",
			nsp_sig_name(atomic_load(&t->st.report_signal), sig), (int)t->pid,
			strerror(errno));
		close(dir);
		return -1;
	}
	e = wait_request(t, dir, name, sizeof(name), &before, out);
	close(dir);
	return e;
}

int cli_request_stacks(pid_t pid, FILE *out)
{
	struct target t = { .pid = pid };
	int r;

	t.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (t.pidfd < 0 && errno != ENOSYS) {
		cli_err("ps --stacks: %d: %s", (int)pid, strerror(errno));
		return -1;
	}
	r = ask(&t, out);
	if (t.pidfd >= 0)
		close(t.pidfd);
	return r;
}
