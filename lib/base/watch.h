/* The channel between the runtime in a process that namspill watches and
 * namspill's supervisor (tools/cli/watch.c), through the seccomp filter
 * namspill installs for the whole tree.  No descriptor, no file: a
 * process that changed its mount namespace, its root or its credentials
 * still reaches it.
 *
 *  - setns and unshare made with the watch key in the sixth argument
 *    register go through without a stop: the runtime records them itself.
 *    Any other (a raw call from Go or static code) stops, and the
 *    supervisor records it with its stack.
 *  - getpid with the key there is a call to the supervisor:
 *    NSP_WATCH_REPORT hands it a report (address and length in this
 *    process), answered NSP_WATCH_ACK; NSP_WATCH_DYING says a fatal
 *    signal is being reported (a report follows: the supervisor waits for
 *    it before it ends); NSP_WATCH_SWITCHED says the process is about
 *    to make its first switch with the key (the supervisor then takes it
 *    for moved: reads its namespaces again at its end, lists it if it is
 *    killed first); a switch whose telling is not answered NSP_WATCH_ACK
 *    goes without the key (lib/rt/emit.c).  Where nobody listens it is a
 *    plain getpid (or fails with ENOSYS once the supervisor is gone). */
#ifndef NSP_WATCH_H
#define NSP_WATCH_H

#include <sys/syscall.h>

#include "base/base.h"

#define NSP_WATCH_NR SYS_getpid
enum { NSP_WATCH_REPORT = 1, NSP_WATCH_SWITCHED = 2, NSP_WATCH_DYING = 3 };
#define NSP_WATCH_ACK 0x6e737061L /* "nspa" */

/* A raw system call with key in the sixth argument register, which is
 * cleared again after (a wrapper that does not set it would leave the key
 * there for the next call): the result, or a negative errno. */
long nsp_watch_syscall(long nr, long a, long b, long c, uint64_t key);

#endif
