/* Naming frames without allocating.  libdw allocates and the loader
 * takes locks, and in a signal handler (ours, or the program's own that
 * calls exit()) the interrupted code may hold either, so reports have
 * their addresses named by another program,
 * namspill-symbolize, started with raw clone + execve and talked to over
 * a socket (see symproto.c).  The child leaves at once for a fresh
 * image, so nothing of the interrupted state is used there.  If the
 * program is missing, slow (TIMEOUT_MS) or fails, frames keep their
 * module and offset, which is what addr2line takes. */
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/auxv.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/fmt.h"
#include "base/sort.h"
#include "base/watch.h"
#include "base/helpers.h"
#include "base/options.h"
#include "base/pool.h"
#include "base/proc.h"
#include "report/report.h"
#include "report/sym.h"
#include "rt/registry.h"
#include "rt/rt.h"
#include "rt/symext.h"

#define TIMEOUT_MS 10000
#define HELPER "namspill-symbolize"

NSP_BIG_BSS static char helper[PATH_MAX];
NSP_BIG_BSS static char lib_dir[PATH_MAX];
/* The library's own path, absolute: the loader's name for it, or lib_dir
 * (the working directory and a relative name) made at start-up. */
static const char *lib_path;
static _Atomic int helper_state; /* 0 not looked for, 1 found, -1 none */

/* dir/rel into helper if it is there to run. */
static int try_helper(const char *dir, size_t len, const char *rel)
{
	size_t rl = strlen(rel);

	if (len + 1 + rl + 1 > sizeof(helper))
		return -1;
	memcpy(helper, dir, len);
	helper[len] = '/';
	memcpy(helper + len + 1, rel, rl + 1);
	return access(helper, X_OK);
}

/* This library's path as the loader has it (as LD_PRELOAD gave it, say),
 * from the loader's list: dladdr() would search every object for it. */
extern ElfW(Dyn) _DYNAMIC[] __attribute__((weak));

NSP_STARTUP static const char *own_path(void)
{
	for (const struct link_map *m = _r_debug.r_map; m && _DYNAMIC; m = m->l_next)
		if (m->l_ld == _DYNAMIC)
			return m->l_name;
	return NULL;
}

/* Where the helper would be, made absolute now (a report may come after a
 * chdir); whether it is there is seen when a report first needs it.  Only
 * a path the library was loaded by relative to the working directory, or
 * a symbolizer option, costs a system call here. */
NSP_STARTUP void nsp_symext_init(void)
{
	char cwd[PATH_MAX];
	const char *from;
	size_t c;

	/* The option is never read in a setuid (AT_SECURE) process, and a
	 * helper named by the caller would run with the program's
	 * privileges: only the one next to the library. */
	if (nsp_opt.symbolizer[0] && !getauxval(AT_SECURE)) {
		if (!realpath(nsp_opt.symbolizer, helper))
			strcpy(helper, nsp_opt.symbolizer);
		atomic_store(&helper_state, 1);
		return;
	}
	if ((from = own_path()) && from[0] == '/') {
		/* The loader keeps the name for good: nothing to copy. */
		lib_path = from;
		return;
	}
	if (from && !memchr(from, '/', strlen(from)))
		from = NULL; /* found in the library path: no helper next to it */
	if (!from || !getcwd(cwd, sizeof(cwd)) ||
	    (c = strlen(cwd)) + 1 + strlen(from) + 1 > sizeof(lib_dir)) {
		atomic_store(&helper_state, -1);
		return;
	}
	memcpy(lib_dir, cwd, c);
	lib_dir[c] = '/';
	strcpy(lib_dir + c + 1, from);
	lib_path = lib_dir;
}

/* The helper next to the library (or in namspill/ there), looked for at
 * the first report that needs it; "" if there is none. */
static const char *helper_path(void)
{
	int st = atomic_load(&helper_state);

	if (st == 0) {
		size_t len = (size_t)(strrchr(lib_path, '/') - lib_path);
		st = try_helper(lib_path, len, HELPER) == 0 ||
				     try_helper(lib_path, len, "namspill/" HELPER) == 0 ? 1 : -1;
		atomic_store(&helper_state, st);
	}
	return st > 0 ? helper : "";
}

/* ---- the addresses to name, ascending and unique */

static void add_stack(uintptr_t *ips, size_t *n, const struct nsp_stack *st)
{
	for (uint32_t i = 0; i < st->depth; i++)
		ips[(*n)++] = st->ip[i];
}

static uintptr_t *addresses(struct nsp_arena *a, const struct nsp_report *r, size_t *n)
{
	size_t cap = 0;
	uintptr_t *ips = nsp_arena_rest(a, &cap);

	*n = 0;
	cap /= sizeof(*ips);
	for (size_t i = 0; i < r->nspills; i++) {
		const struct nsp_spill *s = &r->spills[i];
		size_t need = (2 + s->nhops + s->nfailed + s->npath) * NSP_MAX_DEPTH;
		if (*n + need > cap)
			break;
		if (s->cause)
			add_stack(ips, n, &s->cause->stack);
		if (s->creation)
			add_stack(ips, n, &s->creation->stack);
		for (size_t h = 0; h < s->nhops; h++)
			add_stack(ips, n, &s->hops[h].stack);
		for (size_t h = 0; h < s->nfailed; h++)
			add_stack(ips, n, &s->failed[h].stack);
		for (size_t h = 0; h < s->npath; h++)
			add_stack(ips, n, &s->path[h].stack);
	}
	*n = nsp_sort_unique_words(ips, *n);
	nsp_arena_keep(a, *n * sizeof(*ips));
	return ips;
}

/* ---- talking to the helper */

static long ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static int wait_for(int fd, short ev, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long left;
	int r;

	while ((left = ms_left(deadline)) > 0) {
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}

static int send_all(int fd, const char *buf, size_t len, const struct timespec *deadline)
{
	while (len) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			return -1;
		} else if (w < 0 && errno == EAGAIN && wait_for(fd, POLLOUT, deadline)) {
			return -1;
		}
	}
	return 0;
}

/* Reads to end of file into the rest of the arena; returns the length. */
static ssize_t recv_all(int fd, struct nsp_arena *a, char **out, const struct timespec *deadline)
{
	size_t cap = 0, len = 0;
	char *buf = nsp_arena_rest(a, &cap);

	if (!buf || cap < 2)
		return -1;
	cap--; /* the parser's spare byte */
	while (len < cap) {
		ssize_t n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
		else if (errno != EAGAIN && errno != EINTR)
			return -1;
		else if (errno == EAGAIN && wait_for(fd, POLLIN, deadline))
			return -1;
	}
	buf[len] = 0;
	nsp_arena_keep(a, len + 1);
	*out = buf;
	return (ssize_t)len;
}

/* Child and grandchild make raw system calls only (which leave errno
 * alone), on stacks of their own from the report's arena: where it may,
 * the child shares the program's memory and thread pointer instead of
 * copying it, and the grandchild shares the child's until it execs (a
 * copy of a large process costs more than the rest of the report). */
#define SPAWN_STACK (32 << 10)

struct spawn {
	int sock;
	int maps, exe; /* ours, for the helper as MAPS_FD and EXE_FD (-1: none) */
	char *const *argv;
	char *stack; /* the grandchild's */
};

/* The helper reads our mappings, and a removed executable, through files
 * we opened: it may not open them itself (a process that changed its uid
 * is no longer dumpable; a zombie main thread shows no maps). */
#define MAPS_FD 3
#define EXE_FD 4
#define STR(x) #x
#define ARG(opt, fd) "--" opt "=" STR(fd)

static long raw(long nr, long a, long b, long c, long d)
{
	return nsp_raw_syscall(nr, a, b, c, d);
}

/* The grandchild: leaves for a fresh image with the socket as stdin and
 * stdout, our maps and executable as MAPS_FD and EXE_FD.  Any of them may
 * itself be one of those fds (closed at start): copies above them all
 * first, then fresh copies without close-on-exec.  Signals stay
 * blocked until the helper unblocks them: the program's handlers are
 * still installed here, in memory it shares. */
static void helper_image(void *arg)
{
	/* No LD_PRELOAD, no debuginfod.  The sanitizer build runs with
	 * LeakSanitizer off (tests/san.mk), and so does its helper: the
	 * exit-time leak check crashed in its tracer while scanning the
	 * dynamic TLS of libdw (dlopen'ed), at a bogus address (0x1c), with
	 * GCC 12's runtime and glibc 2.36. */
#if defined(__SANITIZE_ADDRESS__)
	static char *const envp[] = { "ASAN_OPTIONS=detect_leaks=0", NULL };
#else
	static char *const envp[] = { NULL };
#endif
	const struct spawn *sp = arg;
	long s = raw(SYS_fcntl, sp->sock, F_DUPFD, EXE_FD + 1, 0);
	long m = sp->maps >= 0 ? raw(SYS_fcntl, sp->maps, F_DUPFD, EXE_FD + 1, 0) : -1;
	long e = sp->exe >= 0 ? raw(SYS_fcntl, sp->exe, F_DUPFD, EXE_FD + 1, 0) : -1;

	/* Ends with the child, which is what the report kills when it no
	 * longer wants the answer.  (The child waits for the exec, so it is
	 * still there now.) */
	raw(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0);
	raw(SYS_dup3, s, 0, 0, 0);
	raw(SYS_dup3, s, 1, 0, 0);
	if (m >= 0)
		raw(SYS_dup3, m, MAPS_FD, 0, 0);
	if (e >= 0)
		raw(SYS_dup3, e, EXE_FD, 0, 0);
	raw(SYS_execve, (long)sp->argv[0], (long)sp->argv, (long)envp, 0);
	raw(SYS_exit, 127, 0, 0, 0);
}

/* The child, started from a report that may run in a signal handler.  An
 * exec would make it an ordinary child again (the kernel resets its exit
 * signal to SIGCHLD), visible to the program's wait(); so it stays,
 * starts the helper (CLONE_VFORK: it waits until the helper has left for
 * its own image) and passes on its status.  Every signal is blocked, from
 * before the clone: the program's handlers must not run here. */
static void child(void *arg)
{
	const struct spawn *sp = arg;
	long g, r = 0;
	int st = 0;

	g = nsp_clone_run(CLONE_VM | CLONE_VFORK | SIGCHLD, sp->stack, SPAWN_STACK, helper_image,
			  (void *)sp, NULL, NULL);
	while (g > 0 && (r = raw(SYS_wait4, g, (long)&st, 0, 0)) == -EINTR)
		;
	/* exit, not exit_group: alone in its process, it ends it all the
	 * same, and namspill's supervisor (which watches exit_group) does not
	 * take this helper for a process of the program's. */
	raw(SYS_exit, g > 0 && r == g && WIFEXITED(st) ? WEXITSTATUS(st) : 127, 0, 0, 0);
}

/* A helper at work on a question. */
struct asked {
	long pid; /* the child; 0: none */
	int sock;
};

/* Starts a fresh helper on the question: 0, or -1 if none could be. */
static int ask_start(const char *question, size_t qlen, struct nsp_arena *a, struct asked *k)
{
	/* What the child reads lives in the arena: it may still be starting
	 * the helper after this function has returned. */
	struct launch {
		struct spawn sp;
		char tid[16];
		char *argv[5];
	} *l;
	struct timespec deadline;
	int sv[2], maps, exe;
	char **arg;
	long pid;

	k->pid = 0;
	/* A seccomp filter may kill the process for a clone it did not
	 * expect: frames are then named here, or left unnamed. */
	if (nsp_seccomp_filtered())
		return -1;
	char *stacks = nsp_arena_alloc(a, 2 * SPAWN_STACK);
	uint64_t all = ~0ull, old;

	l = nsp_arena_alloc(a, sizeof(*l));
	if (!stacks || !l || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	/* This thread, which lives until the answer is in: a main thread
	 * that ended shows no files. */
	l->tid[nsp_fmt_dec(l->tid, (uint64_t)nsp_proc_self_tid())] = 0;
	maps = nsp_proc_open_maps(0);
	exe = nsp_proc_open("thread-self/exe", O_RDONLY);
	arg = l->argv;
	*arg++ = (char *)helper_path();
	if (maps >= 0)
		*arg++ = ARG("maps-fd", MAPS_FD);
	if (exe >= 0)
		*arg++ = ARG("exe-fd", EXE_FD);
	*arg++ = l->tid;
	*arg = NULL;
	l->sp = (struct spawn){ sv[1], maps, exe, l->argv,
				stacks + SPAWN_STACK };
	/* No SIGCHLD and no place in the program's wait(): exit signal 0
	 * makes it a "clone" child, seen only with __WCLONE. */
	raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, sizeof(all));
	pid = nsp_clone_run(nsp_may_share_memory() ? CLONE_VM : 0, stacks, SPAWN_STACK, child,
			    &l->sp, NULL, NULL);
	raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, sizeof(old));
	close(sv[1]); /* the child has copies of these */
	if (maps >= 0)
		close(maps);
	if (exe >= 0)
		close(exe);
	if (pid <= 0) {
		close(sv[0]);
		return -1;
	}
	k->pid = pid;
	k->sock = sv[0];
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += TIMEOUT_MS / 1000;
	if (send_all(sv[0], question, qlen, &deadline) || shutdown(sv[0], SHUT_WR))
		return -1;
	return 0;
}

static void ask_end(struct asked *k, int stop)
{
	int status;

	if (!k->pid)
		return;
	if (stop)
		kill((pid_t)k->pid, SIGKILL);
	while (waitpid((pid_t)k->pid, &status, __WCLONE) < 0 && errno == EINTR)
		;
	close(k->sock);
	k->pid = 0;
}

/* The answer's length, or -1; the helper is gone after. */
static ssize_t ask_finish(struct asked *k, struct nsp_arena *a, char **answer)
{
	struct timespec deadline;
	ssize_t len;
	int status;

	if (!k->pid)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += TIMEOUT_MS / 1000;
	len = recv_all(k->sock, a, answer, &deadline);
	if (len < 0) {
		ask_end(k, 1);
		return -1;
	}
	while (waitpid((pid_t)k->pid, &status, __WCLONE) < 0 && errno == EINTR)
		;
	close(k->sock);
	k->pid = 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? len : -1;
}

/* Question and answer with a fresh helper; the answer's length or -1. */
static ssize_t ask(const char *question, size_t qlen, struct nsp_arena *a, char **answer)
{
	struct asked k;

	if (ask_start(question, qlen, a, &k)) {
		ask_end(&k, 1);
		return -1;
	}
	return ask_finish(&k, a, answer);
}

static char *question(struct nsp_arena *a, const uintptr_t *ips, size_t n, size_t *qlen)
{
	size_t cap = 0;
	char *q = nsp_arena_rest(a, &cap);

	*qlen = 0;
	if (!n || !q || cap < n * 20)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		*qlen += nsp_fmt_hex(q + *qlen, ips[i]);
		q[(*qlen)++] = '\n';
	}
	nsp_arena_keep(a, *qlen);
	return q;
}

/* ---- asked early, for a large process
 *
 * The helper's own work (starting, reading debug information: tens of
 * milliseconds where the C library's is installed) does not depend on
 * the verdict, only on the addresses, and every address a report can
 * name is in the records: the stacks of the calls still kept and the
 * creation stacks.  With thousands of threads, reading their namespaces
 * takes longer than that work, so the helper is started on all of those
 * addresses first and works meanwhile.  If the report then needs an
 * address it was not asked (a record made since), it is asked again. */

#define EARLY_THREADS 512    /* fewer: reading /proc is quicker than the helper */
#define EARLY_MAX_IPS 16384  /* distinct addresses; more: no early start */

struct nsp_symext_early {
	struct asked k;
	uintptr_t *ips; /* ascending */
	size_t n;
	const char *outcome; /* for verbosity=2 */
};

struct ipset {
	uintptr_t *slot;
	size_t cap, n;
};

static int ipset_add(struct ipset *h, const struct nsp_stack *st)
{
	for (uint32_t i = 0; i < st->depth && i < NSP_MAX_DEPTH; i++) {
		uintptr_t ip = st->ip[i];
		size_t at = (size_t)((ip * 0x9e3779b97f4a7c15ull) >> 20) & (h->cap - 1);
		if (!ip)
			continue;
		while (h->slot[at] && h->slot[at] != ip)
			at = (at + 1) & (h->cap - 1);
		if (h->slot[at])
			continue;
		if (h->n == EARLY_MAX_IPS)
			return -1;
		h->slot[at] = ip;
		h->n++;
	}
	return 0;
}

struct nsp_symext_early *nsp_symext_early(struct nsp_arena *a)
{
	struct nsp_symext_early *e;
	struct ipset h = { .cap = 2 * EARLY_MAX_IPS };
	union {
		struct nsp_thread t;
		struct nsp_event ev;
	} *rec;
	uint32_t high;
	size_t k = 0, qlen;
	char *q;

	if (!*helper_path() || nsp_proc_thread_count(0) < EARLY_THREADS)
		return NULL;
	e = nsp_arena_alloc(a, sizeof(*e));
	rec = nsp_arena_alloc(a, sizeof(*rec));
	h.slot = nsp_arena_alloc(a, h.cap * sizeof(*h.slot));
	if (!e || !rec || !h.slot)
		return NULL;
	memset(h.slot, 0, h.cap * sizeof(*h.slot));
	high = nsp_pool_high(&nsp_events);
	for (uint32_t i = 1; i <= high; i++)
		if (!nsp_pool_copy(&nsp_events, i, 0, &rec->ev) && ipset_add(&h, &rec->ev.stack))
			return NULL;
	if (!h.n)
		return NULL; /* no call recorded: no cause to name */
	high = nsp_pool_high(&nsp_threads);
	for (uint32_t i = 1; i <= high; i++)
		if (!nsp_pool_copy(&nsp_threads, i, 0, &rec->t) && ipset_add(&h, &rec->t.stack))
			return NULL;
	/* The table, packed and sorted, is the list asked. */
	for (size_t i = 0; i < h.cap; i++)
		if (h.slot[i])
			h.slot[k++] = h.slot[i];
	e->n = nsp_sort_unique_words(h.slot, k);
	e->ips = h.slot;
	e->outcome = "pending";
	if (!(q = question(a, e->ips, e->n, &qlen)) || ask_start(q, qlen, a, &e->k)) {
		ask_end(&e->k, 1);
		return NULL;
	}
	return e;
}

void nsp_symext_cancel(struct nsp_symext_early *e)
{
	if (e && e->k.pid) {
		ask_end(&e->k, 1);
		e->outcome = "not needed";
	}
}

const char *nsp_symext_outcome(const struct nsp_symext_early *e)
{
	return e ? e->outcome : NULL;
}

static int asked_all(const struct nsp_symext_early *e, const uintptr_t *ips, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) { /* both ascending */
		while (j < e->n && e->ips[j] < ips[i])
			j++;
		if (j == e->n || e->ips[j] != ips[i])
			return 0;
	}
	return 1;
}

struct nsp_sym *nsp_symext_open(struct nsp_arena *a, const struct nsp_report *r,
				struct nsp_symext_early *early)
{
	struct nsp_sym *s = nsp_sym_open(a);
	struct nsp_symtab *t = nsp_arena_alloc(a, sizeof(*t));
	size_t n, qlen = 0;
	uintptr_t *ips;
	char *q, *answer;
	ssize_t len = -1;

	if (!s || !t || !*helper_path()) {
		nsp_symext_cancel(early);
		return NULL;
	}
	ips = addresses(a, r, &n);
	if (!n) {
		/* Nothing recorded to name (spills of raw calls only): no
		 * helper to ask, and nothing to say about one. */
		nsp_symext_cancel(early);
		memset(t, 0, sizeof(*t));
		nsp_sym_set_table(s, t);
		return s;
	}
	if (early && asked_all(early, ips, n)) {
		len = ask_finish(&early->k, a, &answer);
		early->outcome = len < 0 ? "no answer" : "answer used";
	} else {
		nsp_symext_cancel(early);
		if (early && n)
			early->outcome = "asked again (an address it was not given)";
		if ((q = question(a, ips, n, &qlen)))
			len = ask(q, qlen, a, &answer);
	}
	if (len < 0)
		return NULL;
	nsp_proto_parse(answer, (size_t)len, a, t);
	nsp_sym_set_table(s, t);
	return s;
}

const char *nsp_symext_helper(void)
{
	return *helper_path() ? helper : "namspill-symbolize (not found next to the library)";
}
