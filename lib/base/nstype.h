/* Namespace types: /proc entry names, CLONE_NEW* flags, and the kinds
 * (one per flag) under which switches are recorded. */
#ifndef NSP_NSTYPE_H
#define NSP_NSTYPE_H

#include "namspill.h"
#include "base/base.h"

#include <sched.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define NSP_NKINDS 8 /* namespace kinds a CLONE_NEW* flag can name */

extern const char *const nsp_ns_names[NAMSPILL_NS_COUNT];
/* Bit k for kinds[k]: spelled out and inline, as it runs on every switch
 * (and folds to a constant for a constant flag). */
static inline unsigned nsp_kinds_of_flags(unsigned long flags)
{
	return (flags & CLONE_NEWCGROUP ? 1u : 0) | (flags & CLONE_NEWIPC ? 2u : 0) |
	       (flags & CLONE_NEWNS ? 4u : 0) | (flags & CLONE_NEWNET ? 8u : 0) |
	       (flags & CLONE_NEWPID ? 16u : 0) | (flags & CLONE_NEWTIME ? 32u : 0) |
	       (flags & CLONE_NEWUSER ? 64u : 0) | (flags & CLONE_NEWUTS ? 128u : 0);
}
/* Types every thread of a process shares: read once per process. */
int nsp_ns_per_process(int type);
int nsp_kind_of_type(int type);
/* The /proc entry a switch of kind changes (pid_for_children, not pid); -1. */
int nsp_type_of_kind(int kind);
unsigned long nsp_flag_of_kind(int kind);
const char *nsp_flag_name(int kind);
/* The kinds a setns(fd, 0) on this namespace fd would change. */
unsigned nsp_kinds_of_nsfd(int fd);

#endif
