/* namspill: find threads left in the wrong Linux namespace.
 *
 * The same libnamspill.so works preloaded (LD_PRELOAD) or linked with
 * -lnamspill.  Every function returns 0 (or a count) on success and a
 * negative errno on failure; none of them changes errno on success.
 */
#ifndef NAMSPILL_H
#define NAMSPILL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NAMSPILL_VERSION "0.1.0"

/* The library is built with hidden visibility; these are its exports. */
#if defined(__GNUC__)
#define NAMSPILL_EXTERN __attribute__((visibility("default")))
#else
#define NAMSPILL_EXTERN
#endif

/* Namespace entries of /proc/TID/ns, in this order. */
enum namspill_nstype {
	NAMSPILL_NS_CGROUP,
	NAMSPILL_NS_IPC,
	NAMSPILL_NS_MNT,
	NAMSPILL_NS_NET,
	NAMSPILL_NS_PID,
	NAMSPILL_NS_PID_FOR_CHILDREN,
	NAMSPILL_NS_TIME,
	NAMSPILL_NS_TIME_FOR_CHILDREN,
	NAMSPILL_NS_USER,
	NAMSPILL_NS_UTS,
	NAMSPILL_NS_COUNT
};

/* Identity of one namespace; ino == 0 when the entry could not be read. */
/* A namespace: the device and inode of /proc/TID/ns/TYPE.  ino 0: not
 * known (the entry could not be read).  dev NAMSPILL_NS_PENDING: a pid
 * namespace the thread unshared and has made no process in yet (the
 * kernel names it only then); ino is then the thread's id, so each such
 * thread counts as a namespace of its own. */
struct namspill_nsid {
	uint64_t dev;
	uint64_t ino;
};

#define NAMSPILL_NS_PENDING UINT64_MAX

struct namspill_task {
	pid_t tid;
	char comm[16];
	struct namspill_nsid ns[NAMSPILL_NS_COUNT];
};

/* NAMSPILL_VERSION of the library in use. */
NAMSPILL_EXTERN const char *namspill_version(void);

/* Name of a namespace type as in /proc/TID/ns ("net", "pid_for_children"). */
NAMSPILL_EXTERN const char *namspill_nstype_name(int type);

/* Every live thread of this process with its namespaces, in a malloc'd
 * array (*n entries) that namspill_tasks_free() releases. */
NAMSPILL_EXTERN int namspill_tasks(struct namspill_task **tasks, size_t *n);
NAMSPILL_EXTERN void namspill_tasks_free(struct namspill_task *tasks);

/* The exit verdict, now: the number of spilled (thread, type) pairs that
 * the suppressions (option suppressions=FILE) do not cover, 0 when every
 * thread agrees with the majority or each spill is suppressed, or a
 * negative errno.  When fd >= 0 and that number is not 0, the text report
 * is written to fd, suppressed spills marked (a failed write gives its
 * negative errno). */
NAMSPILL_EXTERN int namspill_check(int fd);

/* A full report ("text" or "json", NULL means text) with trigger
 * "request", written to fd even when there is no spill.  Returns what
 * namspill_check() would, or a negative errno if it could not be written. */
NAMSPILL_EXTERN int namspill_report(int fd, const char *format);

/* ---- Thread leaks: threads started after a baseline and still running. */

/* Opaque: the threads alive when it was taken, each identified by tid and
 * start time (and namspill's own creation record), so a tid the kernel
 * reuses later does not pass for the old thread. */
struct namspill_threads;

/* Threads to leave out of a leak check.  Every list is NULL-terminated
 * (tids: 0-terminated) and may be NULL; names are fnmatch(3) glob patterns
 * matched against function names as the report prints them (demangled for
 * C++).  Initialize with designated initializers or memset: fields added
 * later take the place of `reserved`, and zero there means "not used". */
struct namspill_ignore {
	const char *const *top_functions;     /* the thread's start routine */
	const char *const *creator_functions; /* called pthread_create (frame 0) */
	const char *const *stack_functions;   /* anywhere in the creation stack */
	const pid_t *tids;
	void *reserved[4];
};

/* NULL with errno set when out of memory or /proc is unreadable. */
NAMSPILL_EXTERN struct namspill_threads *namspill_threads_snapshot(void);
NAMSPILL_EXTERN void namspill_threads_free(struct namspill_threads *baseline);

/* How many threads alive now were not in baseline, leaving out the
 * calling thread and those ignore matches.  Threads that end within
 * timeout_ms (polled) are not counted.  When fd >= 0 and some leaked, each
 * is written to fd with its start routine, creation stack and namespaces.
 * Returns the count, or a negative errno. */
NAMSPILL_EXTERN int namspill_threads_leaked(const struct namspill_threads *baseline,
					    const struct namspill_ignore *ignore, int timeout_ms,
					    int fd);

/* ---- Test-framework helpers */

/* namspill_check() and namspill_threads_leaked() with the report in a
 * string instead of a file: *msg is set to the report when the result is
 * not 0 (including a line for an error), else to "".  The string belongs
 * to the library and stays valid until the calling thread calls either
 * function again. */
NAMSPILL_EXTERN int namspill_check_msg(const char **msg);
NAMSPILL_EXTERN int namspill_threads_leaked_msg(const struct namspill_threads *baseline,
						const struct namspill_ignore *ignore,
						int timeout_ms, const char **msg);

/* Prints "FILE:LINE: namspill: ..." and the report on stderr, then aborts. */
NAMSPILL_EXTERN void namspill_fail(const char *msg, const char *file, int line)
	__attribute__((noreturn));

/* How a failed NAMSPILL_ASSERT_* fails the test: define NAMSPILL_FAIL(msg)
 * before including this header to choose.  Otherwise, when cmocka.h or
 * criterion/criterion.h was included first, their failure is used (the
 * test fails with the report as its message); else namspill_fail(). */
#ifndef NAMSPILL_FAIL
#if defined(cmocka_unit_test)
#include <string.h>
/* cmocka cuts every message at 1024 bytes: pass the report on in lines. */
static inline void namspill_cmocka_print_(const char *msg)
{
	while (*msg) {
		const char *nl = strchr(msg, '\n');
		int n = (int)(nl ? (size_t)(nl - msg) + 1 : strlen(msg));
		n = n > 1000 ? 1000 : n;
		print_error("%.*s", n, msg);
		msg += n;
	}
}
#define NAMSPILL_FAIL(msg)                                             \
	do {                                                           \
		namspill_cmocka_print_(msg);                           \
		fail_msg("namspill: the report above fails this test"); \
	} while (0)
#elif defined(cr_assert_fail)
#define NAMSPILL_FAIL(msg) cr_assert_fail("%s", (msg))
#else
#define NAMSPILL_FAIL(msg) namspill_fail((msg), __FILE__, __LINE__)
#endif
#endif

/* How long NAMSPILL_ASSERT_NO_LEAKS waits for threads to end. */
#ifndef NAMSPILL_LEAK_TIMEOUT_MS
#define NAMSPILL_LEAK_TIMEOUT_MS 1000
#endif

/* Fails unless every thread is in the majority namespace of every type. */
#define NAMSPILL_ASSERT_UNIFORM()                                  \
	do {                                                       \
		const char *namspill_msg_;                         \
		if (namspill_check_msg(&namspill_msg_) != 0)       \
			NAMSPILL_FAIL(namspill_msg_);              \
	} while (0)

/* Fails if threads started since baseline are still running. */
#define NAMSPILL_ASSERT_NO_LEAKS_IGNORING(baseline, ignore)                  \
	do {                                                                 \
		const char *namspill_msg_;                                   \
		if (namspill_threads_leaked_msg((baseline), (ignore),        \
						NAMSPILL_LEAK_TIMEOUT_MS,    \
						&namspill_msg_) != 0)        \
			NAMSPILL_FAIL(namspill_msg_);                        \
	} while (0)

#define NAMSPILL_ASSERT_NO_LEAKS(baseline) NAMSPILL_ASSERT_NO_LEAKS_IGNORING(baseline, NULL)

#ifdef __cplusplus
}
#endif

#endif
