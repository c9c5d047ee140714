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
struct namspill_nsid {
	uint64_t dev;
	uint64_t ino;
};

struct namspill_task {
	pid_t tid;
	char comm[16];
	struct namspill_nsid ns[NAMSPILL_NS_COUNT];
};

/* NAMSPILL_VERSION of the library in use. */
const char *namspill_version(void);

/* Name of a namespace type as in /proc/TID/ns ("net", "pid_for_children"). */
const char *namspill_nstype_name(int type);

/* Every live thread of this process with its namespaces. */
int namspill_tasks(struct namspill_task **tasks, size_t *n);
void namspill_tasks_free(struct namspill_task *tasks);

/* The exit verdict, now: the number of spilled (thread, type) pairs, 0 when
 * every thread agrees with the majority, or a negative errno.  When fd >= 0
 * and there are spills, the text report is written to fd. */
int namspill_check(int fd);

/* A full report ("text" or "json", NULL means text) with trigger "request". */
int namspill_report(int fd, const char *format);

#ifdef __cplusplus
}
#endif

#endif
