/* Namespace types: /proc entry names, CLONE_NEW* flags and the "kinds"
 * (one per flag) under which switches are recorded.  pid and time each
 * have two entries; setns/unshare change the *_for_children one, so both
 * map to the same kind. */
#include <sched.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>

#include "base/nstype.h"


const char *const nsp_ns_names[NAMSPILL_NS_COUNT] = {
	"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
	"time", "time_for_children", "user", "uts",
};

static const struct {
	unsigned long flag;
	const char *name;
} kinds[NSP_NKINDS] = {
	{ CLONE_NEWCGROUP, "CLONE_NEWCGROUP" }, { CLONE_NEWIPC, "CLONE_NEWIPC" },
	{ CLONE_NEWNS, "CLONE_NEWNS" },         { CLONE_NEWNET, "CLONE_NEWNET" },
	{ CLONE_NEWPID, "CLONE_NEWPID" },       { CLONE_NEWTIME, "CLONE_NEWTIME" },
	{ CLONE_NEWUSER, "CLONE_NEWUSER" },     { CLONE_NEWUTS, "CLONE_NEWUTS" },
};

static const signed char kind_of_type[NAMSPILL_NS_COUNT] = {
	0, 1, 2, 3, 4, 4, 5, 5, 6, 7,
};

const char *namspill_nstype_name(int type)
{
	return type >= 0 && type < NAMSPILL_NS_COUNT ? nsp_ns_names[type] : NULL;
}

/* The pid namespace is fixed for a whole thread group, and the kernel
 * refuses to move a thread of a multithreaded process to another user or
 * time namespace (EINVAL, EUSERS; unshare(CLONE_NEWTIME) changes
 * time_for_children only). */
int nsp_ns_per_process(int type)
{
	return type == NAMSPILL_NS_PID || type == NAMSPILL_NS_TIME || type == NAMSPILL_NS_USER;
}

int nsp_kind_of_type(int type)
{
	return type >= 0 && type < NAMSPILL_NS_COUNT ? kind_of_type[type] : -1;
}

int nsp_type_of_kind(int kind)
{
	int type = -1;

	for (int t = 0; t < NAMSPILL_NS_COUNT; t++)
		if (kind_of_type[t] == kind)
			type = t; /* the last: *_for_children */
	return type;
}

unsigned long nsp_flag_of_kind(int kind)
{
	return kind >= 0 && kind < NSP_NKINDS ? kinds[kind].flag : 0;
}

const char *nsp_flag_name(int kind)
{
	return kind >= 0 && kind < NSP_NKINDS ? kinds[kind].name : "?";
}

/* setns(fd, 0) lets the kernel take the type from the fd. */
unsigned nsp_kinds_of_nsfd(int fd)
{
	int t = ioctl(fd, NS_GET_NSTYPE);

	return t > 0 ? nsp_kinds_of_flags((unsigned long)t) : 0;
}
