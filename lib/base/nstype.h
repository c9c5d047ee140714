/* Namespace types: /proc entry names, CLONE_NEW* flags, and the kinds
 * (one per flag) under which switches are recorded. */
#ifndef NSP_NSTYPE_H
#define NSP_NSTYPE_H

#include "namspill.h"
#include "base/base.h"

#define NSP_NKINDS 8 /* namespace kinds a CLONE_NEW* flag can name */

extern const char *const nsp_ns_names[NAMSPILL_NS_COUNT];
unsigned nsp_kinds_of_flags(unsigned long flags);
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
