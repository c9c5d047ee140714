/* The one reader of /proc: thread ids, names and namespace identities from
 * /proc/PID/task, and whole files for the text parsers (proctext.c).  Raw
 * openat/getdents64/fstatat on stack buffers only, so it serves the exit
 * report, signal-time reports and the tools alike. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/fmt.h"
#include "base/io.h"
#include "base/sort.h"
#include "base/helpers.h"
#include "base/nstype.h"
#include "base/pidfd.h"
#include "base/proc.h"

/* "PID/NAME", or "PID/task/TID/NAME" when tid is not 0, relative to
 * /proc (pid 0: "self"; pid 0 and tid NSP_PROC_THREAD_SELF:
 * "thread-self"); -ENAMETOOLONG if it does not fit. */
static int proc_path(char *buf, size_t cap, pid_t pid, pid_t tid, const char *name)
{
	char tail[NSP_NUM_MAX + 16];
	int e;

	if (!pid && tid == NSP_PROC_THREAD_SELF) {
		if (strlen(name) + 13 > cap)
			return -ENAMETOOLONG;
		strcat(strcpy(buf, "thread-self/"), name);
		return 0;
	}
	if (pid)
		e = nsp_path_num(buf, cap, "", (uint64_t)pid, "");
	else
		e = cap > 4 ? (strcpy(buf, "self"), 0) : -ENAMETOOLONG;
	if (!e && tid)
		e = nsp_path_num(tail, sizeof(tail), "/task/", (uint64_t)tid, "");
	else
		tail[0] = 0;
	if (e || strlen(buf) + strlen(tail) + 1 + strlen(name) + 1 > cap)
		return -ENAMETOOLONG;
	strcat(strcat(strcat(buf, tail), "/"), name);
	return 0;
}

/* /proc/REL.  No descriptor is kept between calls (the program may list
 * or close its descriptors): a report from a thread that moved to another
 * mount namespace is taken at home instead (lib/rt/home.c). */
int nsp_proc_open(const char *rel, int flags)
{
	char path[96] = "/proc/";

	if (strlen(rel) + 7 > sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcat(path, rel);
	return open(path, flags | O_CLOEXEC);
}

int nsp_proc_thread_ns(int type, uint64_t *ino)
{
	char path[64] = "/proc/thread-self/ns/", link[64];
	long n;

	if (type < 0 || type >= NAMSPILL_NS_COUNT)
		return -EINVAL;
	strcat(path, nsp_ns_names[type]);
	n = nsp_raw_syscall(SYS_readlinkat, AT_FDCWD, (long)path, (long)link, sizeof(link));
	if (n < 0)
		return (int)n;
	*ino = nsp_ns_link_ino(link, n);
	return *ino ? 0 : -EINVAL;
}

int nsp_proc_self_numbers(pid_t *p, pid_t *t)
{
	char link[64];
	const char *s, *end;
	uint64_t vp, vt;
	long n = nsp_raw_syscall(SYS_readlinkat, AT_FDCWD, (long)"/proc/thread-self", (long)link,
				 sizeof(link));

	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	s = link;
	end = link + n;
	if (nsp_parse_dec(&s, end, &vp) <= 0 || end - s < 6 || memcmp(s, "/task/", 6))
		return -EIO;
	s += 6;
	if (nsp_parse_dec(&s, end, &vt) <= 0 || s != end || !vp || !vt || vp > 0x3fffffff ||
	    vt > 0x3fffffff)
		return -EIO;
	*p = (pid_t)vp;
	*t = (pid_t)vt;
	return *p != (pid_t)nsp_raw_syscall(SYS_getpid, 0, 0, 0, 0) ||
	       *t != (pid_t)nsp_raw_syscall(SYS_gettid, 0, 0, 0, 0);
}

pid_t nsp_proc_self_tid(void)
{
	pid_t p, t;

	return nsp_proc_self_numbers(&p, &t) >= 0 ? t :
						    (pid_t)nsp_raw_syscall(SYS_gettid, 0, 0, 0, 0);
}

pid_t nsp_proc_own_tid(pid_t at, pid_t tid)
{
	char buf[4096];
	ssize_t n = nsp_proc_read_task(at, tid, "status", buf, sizeof(buf));
	uint64_t v;

	return n > 0 && !nsp_status_last(buf, (size_t)n, "NSpid", &v) && v && v <= 0x3fffffff ?
		       (pid_t)v : 0;
}

/* Tasks of ours that are no threads of the program's (lib/rt/home.c),
 * one a slot: 0 free, -1 reserved, else the tid. */
#define HIDDEN_MAX 8
static _Atomic pid_t hidden[HIDDEN_MAX];

_Atomic pid_t *nsp_proc_hide_slot(void)
{
	for (int i = 0; i < HIDDEN_MAX; i++) {
		pid_t free_slot = 0;
		if (atomic_compare_exchange_strong(&hidden[i], &free_slot, -1))
			return &hidden[i];
	}
	return NULL;
}

void nsp_proc_unhide(_Atomic pid_t *slot)
{
	atomic_store(slot, 0);
}

static int is_hidden(pid_t tid)
{
	for (int i = 0; i < HIDDEN_MAX; i++)
		if (atomic_load_explicit(&hidden[i], memory_order_acquire) == tid)
			return 1;
	return 0;
}

int nsp_proc_hidden(pid_t tid)
{
	return is_hidden(tid);
}

static size_t drop_hidden(pid_t *tids, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!is_hidden(tids[i]))
			tids[k++] = tids[i];
	return k;
}

ssize_t nsp_proc_read_task(pid_t pid, pid_t tid, const char *name, char *buf, size_t cap)
{
	char path[96];
	ssize_t n;
	int fd, e = proc_path(path, sizeof(path), pid, tid, name);

	if (e)
		return e;
	if ((fd = nsp_proc_open(path, O_RDONLY)) < 0)
		return -errno;
	n = nsp_read_all(fd, buf, cap);
	close(fd);
	return n;
}

int nsp_proc_task_dir(pid_t pid)
{
	char path[48];
	int fd;

	if (proc_path(path, sizeof(path), pid, 0, "task"))
		return -ENAMETOOLONG;
	fd = nsp_proc_open(path, O_RDONLY | O_DIRECTORY);
	return fd < 0 ? -errno : fd;
}

ssize_t nsp_proc_read_in(int taskfd, pid_t tid, const char *name, char *buf, size_t cap)
{
	char rel[64];
	size_t len = 0;
	long fd, n = 0;

	if (nsp_path_num(rel, sizeof(rel), "", (uint64_t)tid, "/") ||
	    strlen(rel) + strlen(name) + 1 > sizeof(rel))
		return -ENAMETOOLONG;
	strcat(rel, name);
	fd = nsp_raw_syscall(SYS_openat, taskfd, (long)rel, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd;
	while (len < cap && (n = nsp_raw_syscall(SYS_read, fd, (long)(buf + len),
						 (long)(cap - len), 0)) != 0) {
		if (n == -EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	nsp_raw_syscall(SYS_close, fd, 0, 0, 0);
	return n < 0 ? n : (ssize_t)len;
}

ssize_t nsp_proc_read(pid_t pid, const char *name, char *buf, size_t cap)
{
	return nsp_proc_read_task(pid, 0, name, buf, cap);
}

int nsp_proc_comm(pid_t pid, pid_t tid, char comm[16])
{
	ssize_t n;

	memset(comm, 0, 16);
	n = nsp_proc_read_task(pid, tid, "comm", comm, 15);
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	if (comm[n - 1] == '\n')
		comm[n - 1] = 0;
	return 0;
}

int nsp_proc_has_cap(int cap)
{
	char buf[4096];
	ssize_t n = nsp_proc_read(0, "status", buf, sizeof(buf));
	uint64_t eff;

	if (n < 0)
		return (int)n;
	if (nsp_status_num(buf, (size_t)n, "CapEff", 16, &eff))
		return -EINVAL;
	return (int)((eff >> cap) & 1);
}

long nsp_proc_slurp(pid_t pid, const char *name, struct nsp_arena *a, char **out)
{
	size_t avail;
	char *buf = nsp_arena_rest(a, &avail);
	ssize_t n = buf ? nsp_proc_read(pid, name, buf, avail) : -ENOMEM;

	if (n < 0)
		return n;
	nsp_arena_keep(a, (size_t)n);
	*out = buf;
	return (long)n;
}

/* PROCMAP_QUERY (Linux 6.11, <linux/fs.h>): one mapping per ioctl on an
 * open maps file, the kernel skipping those that do not match. */
struct procmap_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define NSP_PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define QUERY_VMA_EXECUTABLE 0x04
#define QUERY_COVERING_OR_NEXT_VMA 0x10
#define QUERY_FILE_BACKED_VMA 0x20

/* Whether the mapping at start comes right after prev in the whole list,
 * anonymous mappings included: in the text of maps prev would be the line
 * before it, which is what a module's base is taken from (a file mapped
 * twice, with something between, starts afresh). */
static int follows(int fd, const struct nsp_map *prev, uint64_t start)
{
	struct procmap_query q;

	if (!prev)
		return 0;
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_flags = QUERY_COVERING_OR_NEXT_VMA;
	q.query_addr = prev->hi;
	return ioctl(fd, NSP_PROCMAP_QUERY, &q) == 0 && q.vma_start == start;
}

/* The file-backed mappings, walked with PROCMAP_QUERY: a process with ten
 * thousand threads has twenty thousand anonymous mappings (stacks and
 * their guards) that the text of maps would spell out line by line. 1 if
 * the kernel has no such query, else 0 with *out set (NULL: none). */
static int query_maps(int fd, struct nsp_arena *a, struct nsp_map **out)
{
	struct nsp_map *head = NULL, *last = NULL, *m;
	char name[4096];
	struct procmap_query q;
	uint64_t addr = 0;
	int r;

	/* Valgrind cannot know that the kernel writes the name: it is
	 * defined from the start. */
	memset(name, 0, sizeof(name));
	for (;;) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = QUERY_COVERING_OR_NEXT_VMA | QUERY_FILE_BACKED_VMA;
		q.query_addr = addr;
		q.vma_name_addr = (uint64_t)(uintptr_t)name;
		q.vma_name_size = sizeof(name);
		r = ioctl(fd, NSP_PROCMAP_QUERY, &q);
		if (r < 0 && errno == ENAMETOOLONG) {
			/* A path longer than PATH_MAX: listed without it. */
			q.vma_name_addr = 0;
			q.vma_name_size = 0;
			name[0] = 0;
			r = ioctl(fd, NSP_PROCMAP_QUERY, &q);
		}
		if (r < 0) {
			if (!head && (errno == ENOTTY || errno == EINVAL))
				return 1;
			break; /* ENOENT: no more */
		}
		name[sizeof(name) - 1] = 0;
		m = name[0] == '/' ? nsp_map_new(a, q.vma_start, q.vma_end, q.vma_offset,
						 (q.vma_flags & QUERY_VMA_EXECUTABLE) != 0, name,
						 strlen(name),
						 follows(fd, last, q.vma_start) ? last : NULL)
				   : NULL;
		if (m) {
			if (last)
				last->next = m;
			else
				head = m;
			last = m;
		}
		if (q.vma_end <= addr)
			break;
		addr = q.vma_end;
	}
	*out = head;
	return 0;
}

struct nsp_map *nsp_proc_maps_fd(int fd, struct nsp_arena *a)
{
	struct nsp_map *maps = NULL;
	size_t avail;
	char *text;
	ssize_t n;

	if (query_maps(fd, a, &maps) == 0)
		return maps;
	if (!(text = nsp_arena_rest(a, &avail)) || (n = nsp_read_all(fd, text, avail)) <= 0)
		return NULL;
	nsp_arena_keep(a, (size_t)n);
	return nsp_maps_parse(text, (size_t)n, a);
}

int nsp_proc_open_maps(pid_t pid)
{
	char path[48];

	/* Our own through this thread: once the main thread has ended (a
	 * zombie), /proc/PID/maps reads empty. */
	if (!pid)
		return nsp_proc_open("thread-self/maps", O_RDONLY);
	if (proc_path(path, sizeof(path), pid, 0, "maps"))
		return -1;
	return nsp_proc_open(path, O_RDONLY);
}

struct nsp_map *nsp_proc_maps(pid_t pid, struct nsp_arena *a)
{
	struct nsp_map *maps;
	int fd = nsp_proc_open_maps(pid);

	if (fd < 0)
		return NULL;
	maps = nsp_proc_maps_fd(fd, a);
	close(fd);
	return maps;
}

uint64_t nsp_ns_link_ino(const char *s, ssize_t n)
{
	uint64_t v = 0;
	ssize_t i = 0;

	while (i < n && s[i] != '[')
		i++;
	if (++i >= n)
		return 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return i < n && s[i] == ']' ? v : 0;
}

/* One namespace of a thread: 0 or a negative errno.  With dev 0 it is
 * read with stat (device and inode: the first thread's net namespace);
 * otherwise with readlink, which costs the kernel far less (no nsfs path
 * to build) and gives the inode, the device being dev, the one nsfs
 * device.  Those run on helper threads too: raw, errno untouched. */
static int read_ns(int taskfd, pid_t tid, int i, uint64_t dev, struct namspill_nsid *id)
{
	char rel[64], link[64];
	struct stat st;
	ssize_t n;

	nsp_path_num(rel, sizeof(rel), "", (uint64_t)tid, "/ns/");
	strcat(rel, nsp_ns_names[i]);
	if (!dev) {
		if (fstatat(taskfd, rel, &st, 0))
			return -errno;
		id->dev = (uint64_t)st.st_dev;
		id->ino = (uint64_t)st.st_ino;
		return 0;
	}
	n = nsp_raw_syscall(SYS_readlinkat, taskfd, (long)rel, (long)link, sizeof(link));
	if (n < 0)
		return (int)n;
	id->dev = dev;
	id->ino = nsp_ns_link_ino(link, n);
	return 0;
}

/* The namespace types this kernel has, as bits: those the calling
 * thread's /proc/thread-self/ns shows; none where that cannot be read.
 * The kernel's, so read once per process (ten readlinks a report
 * before); not kept while it cannot be read. */
static unsigned kernel_types(void)
{
	static _Atomic unsigned known;
	unsigned have = atomic_load_explicit(&known, memory_order_relaxed);
	uint64_t ino;
	int e = 0;

	if (have)
		return have;
	for (int i = 0; i < NAMSPILL_NS_COUNT; i++) {
		if (!(e = nsp_proc_thread_ns(i, &ino)))
			have |= 1u << i;
		else if (e != -ENOENT)
			return 0; /* cannot tell: no type is taken as sure */
	}
	atomic_store_explicit(&known, have, memory_order_relaxed);
	return have;
}

/* 0, or a negative errno: -ESRCH if the thread is gone.  ref: a thread
 * of the same process already read, or NULL: then a type this kernel has
 * (have) that the thread shows no more says it is ending, and it is gone
 * for this report (a type left unread there would go unread for every
 * thread).  Names are not read. */
static int read_task_have(int taskfd, pid_t tid, const struct namspill_task *ref,
			  struct namspill_task *t, unsigned have);

static int read_task(int taskfd, pid_t tid, const struct namspill_task *ref,
		     struct namspill_task *t)
{
	return read_task_have(taskfd, tid, ref, t, 0);
}

static int read_task_have(int taskfd, pid_t tid, const struct namspill_task *ref,
			  struct namspill_task *t, unsigned have)
{
	uint64_t dev;
	int e;

	memset(t, 0, sizeof(*t));
	t->tid = tid;
	/* The device once, from the first thread's net namespace (which
	 * always exists): every other entry by readlink. */
	if (!ref && (e = read_ns(taskfd, tid, NAMSPILL_NS_NET, 0, &t->ns[NAMSPILL_NS_NET])))
		return e == -EACCES || e == -EPERM ? e : -ESRCH;
	dev = ref ? ref->ns[NAMSPILL_NS_NET].dev : t->ns[NAMSPILL_NS_NET].dev;
	for (int i = 0; i < NAMSPILL_NS_COUNT; i++) {
		if (ref && (nsp_ns_per_process(i) || !ref->ns[i].ino)) {
			t->ns[i] = ref->ns[i]; /* shared, or not in this kernel */
			continue;
		}
		if (!ref && i == NAMSPILL_NS_NET)
			continue; /* read above */
		e = read_ns(taskfd, tid, i, dev, &t->ns[i]);
		if (e == -EACCES || e == -EPERM)
			return e; /* another user's process */
		if (e == -ENOENT && i == NAMSPILL_NS_PID_FOR_CHILDREN) {
			/* The kernel names a pid namespace for children only once
			 * it has a first process: this thread unshared one and has
			 * made no child since.  A namespace of its own, then. */
			t->ns[i] = (struct namspill_nsid){ NAMSPILL_NS_PENDING, (uint64_t)tid };
			continue;
		}
		if (e && (i == NAMSPILL_NS_NET || e == -ESRCH || ref || (have >> i) & 1))
			return -ESRCH; /* net always exists: the thread has ended */
	}
	/* An ending thread loses its links one by one: a pending pid
	 * namespace for children of the first thread read is believed only
	 * if the thread still shows its net namespace after it. */
	if (!ref && t->ns[NAMSPILL_NS_PID_FOR_CHILDREN].dev == NAMSPILL_NS_PENDING) {
		struct namspill_nsid again;
		if (read_ns(taskfd, tid, NAMSPILL_NS_NET, 0, &again))
			return -ESRCH;
	}
	return 0;
}

static pid_t parse_tid(const char *s, size_t max)
{
	long v = 0;
	size_t i;

	for (i = 0; i < max && s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 0x3fffffff)
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return i < max ? (pid_t)v : 0; /* empty or unterminated: 0 */
}

size_t nsp_dents_tids(const char *buf, size_t n, pid_t *out, size_t cap)
{
	size_t off = 0, k = 0;
	const size_t head = offsetof(struct dirent64, d_name);

	while (n - off >= head && k < cap) {
		struct dirent64 d;
		pid_t tid;
		memcpy(&d, buf + off, head); /* buf need not be aligned */
		if (d.d_reclen < head || d.d_reclen > n - off)
			break;
		tid = parse_tid(buf + off + head, d.d_reclen - head);
		if (tid > 0)
			out[k++] = tid;
		off += d.d_reclen;
	}
	return k;
}

static int by_tid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static size_t sort_unique(pid_t *a, size_t n)
{
	size_t k = 0;

	nsp_sort(a, n, sizeof(*a), by_tid);
	for (size_t i = 0; i < n; i++)
		if (!k || a[i] != a[k - 1])
			a[k++] = a[i];
	return k;
}

/* Listing /proc/PID/task while threads end can skip live threads: when the
 * entry a getdents call stopped at has gone, the next call resumes by
 * position in a list that shrank.  So the directory is read again until a
 * pass finds no thread the earlier ones missed (at most PASSES times).
 *
 * The first pass costs the kernel most (an inode for each thread), so with
 * many threads it is read in parts, one per helper thread, each through a
 * descriptor of its own that starts at its share of positions (entry k is
 * at position k + 2, after "." and "..").  Threads that end meanwhile
 * shift positions, so parts may overlap or leave a gap: duplicates are
 * dropped, and the next pass, read whole, finds what a gap missed. */
#define PASSES 4
#define DENTS_SIZE (64 << 10)
#define DENT_BYTES 32 /* a record for a name of up to 12 digits */
#define LIST_PER_PART 1024

struct listing {
	int fd[NSP_MAX_PARTS];
	long from[NSP_MAX_PARTS + 1]; /* positions; the last part reads to the end */
	char *dents[NSP_MAX_PARTS];
	pid_t *tids[NSP_MAX_PARTS];
	size_t cap[NSP_MAX_PARTS], n[NSP_MAX_PARTS];
	int err[NSP_MAX_PARTS];
};

/* One part: raw system calls only, as it may run on a helper thread. */
static void list_part(void *arg, int part, int parts)
{
	struct listing *l = arg;
	const size_t head = offsetof(struct dirent64, d_name);
	long pos = l->from[part], end = part + 1 < parts ? l->from[part + 1] : -1;
	size_t k = 0;
	long got;

	l->err[part] = 0;
	if ((got = nsp_raw_syscall(SYS_lseek, l->fd[part], pos, SEEK_SET, 0)) < 0) {
		l->err[part] = (int)got;
		return;
	}
	while (k < l->cap[part] && (end < 0 || pos < end)) {
		size_t want = end < 0 ? DENTS_SIZE : (size_t)(end - pos) * DENT_BYTES + DENT_BYTES;
		size_t off = 0;
		got = nsp_raw_syscall(SYS_getdents64, l->fd[part], (long)l->dents[part],
				      (long)(want < DENTS_SIZE ? want : DENTS_SIZE), 0);
		if (got <= 0) {
			l->err[part] = got < 0 ? (int)got : 0;
			break;
		}
		while ((size_t)got - off >= head && k < l->cap[part] && (end < 0 || pos < end)) {
			struct dirent64 d;
			memcpy(&d, l->dents[part] + off, head);
			if (d.d_reclen < head || d.d_reclen > (size_t)got - off)
				break;
			k += nsp_dents_tids(l->dents[part] + off, d.d_reclen, l->tids[part] + k, 1);
			pos = d.d_off;
			off += d.d_reclen;
		}
	}
	l->n[part] = k;
}

int nsp_proc_ended(pid_t pid, pid_t tid)
{
	char buf[512];
	ssize_t n = nsp_proc_read_task(pid, tid, "stat", buf, sizeof(buf));
	const char *p = n > 0 ? memrchr(buf, ')', (size_t)n) : NULL;

	return p && p + 2 < buf + n && (p[2] == 'Z' || p[2] == 'X');
}

int nsp_proc_alone(pid_t pid)
{
	char path[48], dents[2048];
	pid_t tids[64];
	long got;
	size_t n, live = 0;
	int fd = proc_path(path, sizeof(path), pid, 0, "task") ? -1 :
		 nsp_proc_open(path, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return -errno;
	while (live < 2 && (got = getdents64(fd, dents, sizeof(dents))) > 0) {
		n = drop_hidden(tids, nsp_dents_tids(dents, (size_t)got, tids, NSP_ARRAY_LEN(tids)));
		for (size_t i = 0; i < n && live < 2; i++)
			live += !nsp_proc_ended(pid, tids[i]);
	}
	close(fd);
	return live == 1;
}

/* The link count of /proc/PID/task is two plus one per thread (what
 * status says as Threads, which costs the kernel a page of text to
 * make).  0 if it cannot be read. */
static size_t count_of(const struct stat *st)
{
	return st->st_nlink > 2 ? (size_t)st->st_nlink - 2 : 0;
}

size_t nsp_proc_thread_count(pid_t pid)
{
	char path[48] = "/proc/";
	struct stat st;

	if (proc_path(path + 6, sizeof(path) - 6, pid, 0, "task") ||
	    nsp_raw_syscall(SYS_newfstatat, AT_FDCWD, (long)path, (long)&st, 0))
		return 0;
	return count_of(&st);
}

/* The first pass, in parts; appends to tids, returns how many it added,
 * or a negative errno. */
static long list_in_parts(int fd, struct nsp_arena *a, size_t expect, pid_t *tids, size_t avail)
{
	struct listing l;
	int parts = nsp_parts(expect, LIST_PER_PART);
	size_t n = 0;

	memset(&l, 0, sizeof(l));
	for (int p = 0; p < parts; p++) {
		l.from[p] = 2 + (long)(expect * (size_t)p / (size_t)parts);
		l.fd[p] = p ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : fd;
		l.dents[p] = nsp_arena_alloc(a, DENTS_SIZE);
		if (l.fd[p] < 0 || !l.dents[p]) {
			parts = p; /* the rest is read by the last part started */
			break;
		}
	}
	for (int p = 0; p < parts; p++) {
		l.tids[p] = tids + n;
		l.cap[p] = (avail - n) / (size_t)(parts - p);
		n += l.cap[p];
	}
	if (parts > 0)
		nsp_run_parts(a, parts, list_part, &l);
	n = 0;
	for (int p = 0; p < parts; p++) {
		if (l.err[p] < 0) {
			n = (size_t)l.err[p];
			break;
		}
		memmove(tids + n, l.tids[p], l.n[p] * sizeof(*tids));
		n += l.n[p];
	}
	for (int p = 1; p < parts; p++)
		close(l.fd[p]);
	return parts ? (long)n : -ENOMEM;
}

static long list_tids(int fd, struct nsp_arena *a, pid_t **out)
{
	char *dents = nsp_arena_alloc(a, DENTS_SIZE);
	size_t avail, n = 0, seen = 0, expect = 0;
	pid_t *tids;
	ssize_t got = 0;
	int pass = 0;
	struct stat st;

	if (!nsp_raw_syscall(SYS_fstat, fd, (long)&st, 0, 0))
		expect = count_of(&st); /* fd is /proc/PID/task */

	if (!dents || !(tids = nsp_arena_rest(a, &avail)))
		return -ENOMEM;
	avail /= sizeof(*tids);
	if (nsp_parts(expect, LIST_PER_PART) > 1 && expect < avail / 2) {
		/* The parts' descriptors and buffers come from the arena's
		 * end: tids keeps the rest. */
		long k;
		struct nsp_arena tail = *a;
		nsp_arena_keep(&tail, avail * sizeof(*tids) / 2);
		k = list_in_parts(fd, &tail, expect, tids, avail / 2);
		if (k >= 0) {
			n = sort_unique(tids, (size_t)k);
			seen = n;
			pass = 1;
		}
	}
	for (; pass < PASSES; pass++) {
		if (lseek(fd, 0, SEEK_SET) < 0)
			return -errno;
		while ((got = getdents64(fd, dents, DENTS_SIZE)) > 0)
			n += nsp_dents_tids(dents, (size_t)got, tids + n, avail - n);
		if (got < 0)
			return -errno;
		n = drop_hidden(tids, sort_unique(tids, n));
		if (pass > 0 && n == seen)
			break;
		seen = n;
	}
	nsp_arena_keep(a, n * sizeof(*tids));
	*out = tids;
	return (long)n;
}

/* Drops entries whose tid is 0; returns the new end. */
static struct namspill_task *remove_gone(struct namspill_task *t, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (t[i].tid)
			t[k++] = t[i];
	return t + k;
}

struct scan {
	int taskfd;
	struct nsp_pidfd_scan *pidfds;
	const struct namspill_task *ref;
	const pid_t *tids;
	struct namspill_task *t; /* tid left 0 for a thread that is gone */
	size_t n;
	_Atomic int denied;
};

static void scan_part(void *arg, int part, int parts)
{
	struct scan *s = arg;
	size_t lo = s->n * (size_t)part / (size_t)parts, hi = s->n * (size_t)(part + 1) / (size_t)parts;

	for (size_t i = lo; i < hi; i++) {
		int e = s->pidfds->on ? nsp_pidfd_read_task(s->pidfds, s->tids[i], s->ref, &s->t[i]) : 1;
		if (e > 0)
			e = read_task(s->taskfd, s->tids[i], s->ref, &s->t[i]);
		if (e) {
			s->t[i].tid = 0;
			if (e == -EACCES || e == -EPERM)
				atomic_store_explicit(&s->denied, 1, memory_order_relaxed);
		}
	}
}

/* The namespaces of the ntids threads in tids (sorted), into t: the first
 * still there is read from /proc and gives the shared types and the
 * device; the others are read in parts, on helper threads.  Returns how
 * many were read (those gone meanwhile are left out), or -EACCES.  With
 * born_by (nsp_pidfd_now), *born_before: how many of those read were
 * made before it, as their pidfds say. */
static long read_all(pid_t pid, int fd, struct nsp_arena *a, const pid_t *tids, long ntids,
		     struct namspill_task *t, int *how, uint64_t born_by, size_t *born_before)
{
	struct namspill_task ref;
	struct scan s = {0};
	struct nsp_pidfd_scan pidfds;
	long first = 0;
	size_t n = 0;
	int e = -ESRCH;
	unsigned have = ntids > 0 ? kernel_types() : 0;

	for (; first < ntids && (e = read_task_have(fd, tids[first], NULL, &ref, have)); first++)
		if (e == -EACCES || e == -EPERM)
			s.denied = 1;
	if (first < ntids) {
		t[0] = ref;
		s.taskfd = fd;
		s.ref = &ref;
		s.tids = tids + first + 1;
		s.t = t + 1;
		s.n = (size_t)(ntids - first - 1);
		pidfds.born_by = born_by;
		nsp_pidfd_scan_begin(&pidfds, pid, s.n, &ref);
		if (pidfds.on)
			*how |= NSP_READ_PIDFDS;
		s.pidfds = &pidfds;
		nsp_run_parts(a, nsp_parts(s.n, 256), scan_part, &s);
		nsp_pidfd_scan_end(&pidfds);
		if (born_before)
			*born_before = atomic_load(&pidfds.born_before);
		n = 1 + s.n;
	}
	if (n) /* those that were gone out */
		n = 1 + (size_t)(remove_gone(t + 1, n - 1) - (t + 1));
	if (!n && atomic_load(&s.denied))
		return -EACCES; /* not "no threads": the caller may not look */
	return (long)n;
}

/* Whether the kernel's pid space has room enough that a tid freed
 * before a report's count is not handed to another thread before its
 * reads are done: pids are handed out in turn, up to pid_max, so a freed
 * one comes back only once all the others have gone round; a million
 * free is more than any machine makes in the time of a report.  With a
 * small pid_max (a container's, 6.14, or the kernel's 32768 without the
 * init system raising it), the pidfds must say each thread read was made
 * before the count (see read_known), or the threads are listed. */
#define PIDS_TO_SPARE 1000000

static int pids_to_spare(size_t threads)
{
	char buf[32];
	const char *p = buf;
	uint64_t max = 0;
	int fd = nsp_proc_open("sys/kernel/pid_max", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : nsp_read_all(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	return n > 0 && nsp_parse_dec(&p, buf + n, &max) > 0 && max > threads + PIDS_TO_SPARE;
}

/* The threads known (the caller's records of them), instead of listing
 * /proc/PID/task, which costs the kernel an inode for each thread: taken
 * when the kernel's count of the process's threads, read after the
 * caller took its list and again after the reads, is the number of known
 * threads, and every one of them is read as one of the process's (a
 * pidfd's thread group, or its entry under /proc/PID/task).  Each thread
 * read was then alive when first counted: it was known before, was there
 * after, and its tid was not another's meanwhile (a thread that began
 * since and is still there makes the second count differ; one that took
 * a freed tid and ended again within the reads needs the pid space to go
 * round, see pids_to_spare, or is told by its pidfd: a pid made before
 * the count has an inode number no greater than one made just before it,
 * which the kernel numbers in the order it makes them).  So the known are
 * all there were; threads begun after the count may be missed, as a
 * listing may miss them.  0 where it cannot tell. */
static long read_known(pid_t pid, int fd, struct nsp_arena *a, const pid_t *known, size_t nknown,
		       struct namspill_task **out, int *how)
{
	size_t mark, avail, n, born_before = 0;
	struct namspill_task *t;
	pid_t *tids;
	struct stat st;
	uint64_t now = 0;
	int spare;
	long got;

	/* The mark before the count (and before mark: its helper's stack is
	 * not given back). */
	if (!nknown || (!(spare = pids_to_spare(nknown)) && !(now = nsp_pidfd_now(a, nknown))))
		return 0;
	mark = a->used;
	if (!(tids = nsp_arena_alloc(a, nknown * sizeof(*tids))))
		return 0;
	memcpy(tids, known, nknown * sizeof(*tids));
	n = drop_hidden(tids, sort_unique(tids, nknown));
	if (nsp_raw_syscall(SYS_fstat, fd, (long)&st, 0, 0) || count_of(&st) != n ||
	    !(t = nsp_arena_rest(a, &avail)) || avail / sizeof(*t) < n) {
		a->used = mark;
		return 0;
	}
	nsp_arena_keep(a, n * sizeof(*t));
	got = read_all(pid, fd, a, tids, (long)n, t, how, now, &born_before);
	if (got != (long)n || (!spare && born_before != n) ||
	    nsp_raw_syscall(SYS_fstat, fd, (long)&st, 0, 0) || count_of(&st) != n) {
		a->used = mark; /* one ended, or one unknown: listed after all */
		*how &= ~NSP_READ_PIDFDS;
		return 0;
	}
	*how |= NSP_READ_KNOWN;
	*out = t;
	return got;
}

long nsp_proc_namespaces_known(pid_t pid, struct nsp_arena *a, struct namspill_task **out,
			       int *how, const pid_t *known, size_t nknown)
{
	size_t avail;
	struct namspill_task *t;
	pid_t *tids = NULL;
	long ntids, n;
	int fd, ignored = 0;

	if (!how)
		how = &ignored;
	*how = 0;
	if ((fd = nsp_proc_task_dir(pid)) < 0)
		return fd;
	if (known && (n = read_known(pid, fd, a, known, nknown, out, how)) > 0) {
		close(fd);
		return n;
	}
	ntids = list_tids(fd, a, &tids);
	t = ntids < 0 ? NULL : nsp_arena_rest(a, &avail);
	if (!t || avail / sizeof(*t) < (size_t)ntids) {
		close(fd);
		return ntids < 0 ? ntids : -ENOMEM;
	}
	nsp_arena_keep(a, (size_t)ntids * sizeof(*t));
	n = read_all(pid, fd, a, tids, ntids, t, how, 0, NULL);
	close(fd);
	if (n >= 0)
		*out = t;
	return n;
}

long nsp_proc_namespaces(pid_t pid, struct nsp_arena *a, struct namspill_task **out, int *how)
{
	return nsp_proc_namespaces_known(pid, a, out, how, NULL, 0);
}

long nsp_proc_tasks(pid_t pid, struct nsp_arena *a, struct namspill_task **out)
{
	long n = nsp_proc_namespaces(pid, a, out, NULL);

	for (long i = 0; i < n; i++)
		nsp_proc_comm(pid, (*out)[i].tid, (*out)[i].comm);
	return n;
}

long nsp_proc_own_tasks(struct nsp_arena *a, struct namspill_task **out, pid_t **proc, pid_t *at)
{
	pid_t p, t, *pt;
	int foreign = nsp_proc_self_numbers(&p, &t) == 1;
	long n, k = 0;

	*at = foreign ? t : (pid_t)nsp_raw_syscall(SYS_getpid, 0, 0, 0, 0);
	n = nsp_proc_tasks(*at, a, out);
	if (n <= 0)
		return n;
	if (!(pt = nsp_arena_alloc(a, (size_t)n * sizeof(*pt))))
		return -ENOMEM;
	for (long i = 0; i < n; i++) {
		pid_t own = foreign ? nsp_proc_own_tid(*at, (*out)[i].tid) : (*out)[i].tid;
		if (!own || (foreign && nsp_proc_hidden(own)))
			continue; /* ended meanwhile, or a task of ours */
		pt[k] = (*out)[i].tid;
		(*out)[k] = (*out)[i];
		(*out)[k++].tid = own;
	}
	if (proc)
		*proc = pt;
	return k;
}

/* Field 22 of /proc/PID/task/TID/stat: when the thread started, in clock
 * ticks since boot.  With the tid it names a thread for good, as the
 * kernel reuses a tid only after its thread is gone. */
int nsp_proc_start_time(pid_t pid, pid_t tid, uint64_t *ticks)
{
	char buf[1024];
	ssize_t n = nsp_proc_read_task(pid, tid, "stat", buf, sizeof(buf));

	if (n <= 0)
		return n < 0 ? (int)n : -ESRCH;
	return nsp_stat_num(buf, (size_t)n, 22, ticks) ? -EIO : 0;
}
