/* The one reader of /proc, and the pure parsers of its text. */
#ifndef NSP_PROC_H
#define NSP_PROC_H

#include "namspill.h"
#include "base/arena.h"

/* Threads of pid with their namespaces, into arena; threads that vanish
 * while being read are left out.  Returns count or a negative errno. */
long nsp_proc_tasks(pid_t pid, struct nsp_arena *a, struct namspill_task **out);
/* This process's threads with their names and namespaces, numbered as it
 * numbers them, whichever pid namespace's /proc it sees: *at and
 * (*proc)[i] (if proc is not NULL) are /proc's numbers for reading more
 * of it.  Count or a negative errno. */
long nsp_proc_own_tasks(struct nsp_arena *a, struct namspill_task **out, pid_t **proc, pid_t *at);
/* The same without the names (comm left empty): one read less per thread.
 * how, if not NULL: NSP_READ_* bits, how the threads were found and read. */
long nsp_proc_namespaces(pid_t pid, struct nsp_arena *a, struct namspill_task **out, int *how);
#define NSP_READ_PIDFDS 1 /* namespaces through pidfds (base/pidfd.c), not /proc links */
#define NSP_READ_KNOWN 2  /* the threads were those known, not listed */
/* The same where the caller knows nknown tids of pid's threads (its own
 * records): if they are all of them, /proc/PID/task is not listed. */
long nsp_proc_namespaces_known(pid_t pid, struct nsp_arena *a, struct namspill_task **out,
			       int *how, const pid_t *known, size_t nknown);
int nsp_proc_comm(pid_t pid, pid_t tid, char comm[16]);
/* /proc/REL ("self/maps"), as this thread sees /proc. */
int nsp_proc_open(const char *rel, int flags);
/* The calling thread's namespace of type (its inode), from the link
 * /proc/thread-self/ns/TYPE: 0 or a negative errno. */
int nsp_proc_thread_ns(int type, uint64_t *ino);
/* How the /proc this thread sees numbers this process (*p) and this
 * thread (*t), from /proc/thread-self: 1 if otherwise than the process
 * itself does (it has a pid namespace of its own, and /proc is of its
 * parent's), 0 if the same, or a negative errno. */
int nsp_proc_self_numbers(pid_t *p, pid_t *t);
/* /proc's number for the calling thread (its own, gettid(), if /proc
 * cannot say): what /proc/self/task lists it as. */
pid_t nsp_proc_self_tid(void);
/* Whether tid (as the process numbers it) is a task of ours, hidden from
 * every list of threads (see nsp_proc_hide_slot). */
int nsp_proc_hidden(pid_t tid);
/* The number the thread's own pid namespace gives thread tid of /proc/AT
 * (the last of its NSpid), or 0 if it cannot be read. */
pid_t nsp_proc_own_tid(pid_t at, pid_t tid);
/* Tasks of ours that are no threads of the program's are left out of
 * every list of threads: each is hidden by a slot, reserved here (NULL
 * if all are taken) and given the task's tid by clone() itself
 * (CLONE_PARENT_SETTID), so no list ever has it; freed once it ended. */
_Atomic pid_t *nsp_proc_hide_slot(void);
void nsp_proc_unhide(_Atomic pid_t *slot);
int nsp_proc_start_time(pid_t pid, pid_t tid, uint64_t *ticks);
/* "Threads:" of /proc/PID/status, which the kernel keeps (so it costs the
 * same with ten threads or ten thousand, unlike stat); 0 if unknown. */
size_t nsp_proc_thread_count(pid_t pid);
/* Whether this process has capability cap (CAP_*) in its effective set:
 * 1 or 0, or a negative errno. */
int nsp_proc_has_cap(int cap);
/* /proc/PID/NAME (pid 0: this process) into buf, up to cap bytes: the
 * length read or a negative errno.  _task: /proc/PID/task/TID/NAME. */
ssize_t nsp_proc_read(pid_t pid, const char *name, char *buf, size_t cap);
/* 1 if the calling thread is the only one of pid still running (ended
 * threads may still be listed: "Threads:" counts them), 0 if not, or a
 * negative errno. */
int nsp_proc_alone(pid_t pid);
/* Whether thread tid of pid (0: pid itself) has ended but is still listed:
 * a zombie, or dead (the main thread after pthread_exit stays a zombie
 * until the process ends; a process not reaped yet too). */
int nsp_proc_ended(pid_t pid, pid_t tid);
/* pid 0 with this tid: the calling thread, by /proc's own name for it
 * (thread-self), right also where /proc numbers threads otherwise. */
#define NSP_PROC_THREAD_SELF (-1)
ssize_t nsp_proc_read_task(pid_t pid, pid_t tid, const char *name, char *buf, size_t cap);
/* /proc/PID/task opened: a descriptor, or a negative errno. */
int nsp_proc_task_dir(pid_t pid);
/* TID/NAME under that directory, as nsp_proc_read_task reads it; raw
 * system calls only, for helper threads. */
ssize_t nsp_proc_read_in(int taskfd, pid_t tid, const char *name, char *buf, size_t cap);
/* Reads /proc/PID/NAME (pid 0: this process) whole into the arena with
 * plain syscalls; returns its length or a negative errno. */
long nsp_proc_slurp(pid_t pid, const char *name, struct nsp_arena *a, char **out);

/* ---- proctext.c: pure parsers of /proc text, for fuzzing */

/* Thread ids named by the getdents64 records in buf[0..n), at most cap;
 * other names and malformed records are skipped. */
size_t nsp_dents_tids(const char *buf, size_t n, pid_t *out, size_t cap);

struct nsp_map {
	struct nsp_map *next;
	uintptr_t lo, hi, base; /* base: load address of the file (offset 0) */
	const char *path;       /* NULL: anonymous, [stack], [vdso], ... */
	int exec;
	int deleted; /* the file was removed: path no longer opens it */
};

/* Every well-formed line of buf[0..n), in order, allocated in a. */
struct nsp_map *nsp_maps_parse(const char *buf, size_t n, struct nsp_arena *a);
/* One mapping, its base taken from prev when that maps the same path. */
struct nsp_map *nsp_map_new(struct nsp_arena *a, uintptr_t lo, uintptr_t hi, uintptr_t off,
			    int exec, const char *path, size_t plen, const struct nsp_map *prev);
/* The mappings of files of pid (0: this process), in address order; asked
 * of the kernel one by one where it can (PROCMAP_QUERY), else parsed from
 * the text.  NULL if there are none or maps cannot be read. */
struct nsp_map *nsp_proc_maps(pid_t pid, struct nsp_arena *a);
/* The same in two steps: /proc/PID/maps opened (0: ours, through this
 * thread), an fd or -1 with errno; then read from the open file, which
 * reads the same for whoever holds it (a helper the process handed it
 * to, when that could not open it itself). */
int nsp_proc_open_maps(pid_t pid);
struct nsp_map *nsp_proc_maps_fd(int fd, struct nsp_arena *a);
/* The number after "key:" in /proc/PID/status text, base 10 or 16;
 * 0, or -1 if missing or not a number. */
int nsp_status_num(const char *buf, size_t n, const char *key, int base, uint64_t *out);
/* How many blank-separated values the "Key:" line holds; -ENOENT. */
int nsp_status_count(const char *buf, size_t n, const char *key);
/* Its last value, in base 10: 0, -ENOENT or -EINVAL. */
int nsp_status_last(const char *buf, size_t n, const char *key, uint64_t *out);
/* Field FIELD (as numbered in proc(5), 3 or more) of /proc/PID/stat text
 * when it is a decimal number; 0, or -1. */
int nsp_stat_num(const char *buf, size_t n, int field, uint64_t *out);
/* The name in /proc/PID/stat text (between the first "(" and the last
 * ")"), cut to 15 bytes and terminated: 0, or -EINVAL. */
int nsp_stat_comm(const char *buf, size_t n, char comm[16]);
/* The inode from the n bytes of a namespace link, "uts:[4026531838]"; 0 if
 * they are not that. */
uint64_t nsp_ns_link_ino(const char *s, ssize_t n);

#endif
