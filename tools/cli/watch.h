/* The supervisor: how namspill sees every process of the tree, whatever
 * it is (dynamically linked with the shim, static, Go), without ptrace.
 *
 * The command's process installs a seccomp filter before it execs; the
 * filter, inherited by the whole tree and never removed, stops execve,
 * execveat and exit_group, setns and unshare made without the watch key
 * (lib/base/watch.h), and the watch call, and asks the supervisor
 * (SECCOMP_RET_USER_NOTIF), which answers at once:
 *   - exit_group: the process still has all its threads; it is judged
 *     from /proc (unless its runtime handed over a report of its own);
 *   - execve: the process counts as run, and one with threads is judged
 *     before the exec ends them;
 *   - a raw setns/unshare: recorded with its stack (Go code by its pclntab,
 *     the rest by CFI), the cause the report will name;
 *   - the watch call: a report the shim handed over, read from its memory.
 * Every other system call runs without a stop.  A keeper process takes
 * over answering if namspill ends first, so what the tree left running
 * can still exec and exit. */
#ifndef NSP_CLI_WATCH_H
#define NSP_CLI_WATCH_H

#include "cli.h"

struct watch;

/* The system calls the filter stops that have other numbers off the
 * x86_64 entry: i386 (asm/unistd_32.h), and x32 (arch x86_64, X32_BIT in
 * the number; its other numbers are x86_64's). */
enum { I386_EXECVE = 11, I386_UNSHARE = 310, I386_SETNS = 346, I386_EXIT_GROUP = 252,
       I386_EXECVEAT = 358, I386_CLONE = 120 };
#define X32_BIT 0x40000000u
enum { X32_EXECVE = 520, X32_EXECVEAT = 545 };

/* In the command's child, just before exec: the filter, and its listener
 * handed to the parent over sock.  0 or a negative errno. */
int watch_child_setup(int sock, uint64_t key);
/* In namspill, once the child has handed the listener over: starts the
 * keeper and the threads that answer.  NULL (said why) if it cannot. */
struct watch *watch_start(int sock, uint64_t key, int quiet, const struct nsp_supp *rules);
/* The process namspill started (the root of the tree). */
void watch_root(struct watch *w, pid_t pid);
/* A process of the tree namspill reaped (an orphan it adopted), with its
 * wait status: the reason a process without a report ended. */
void watch_reaped(struct watch *w, pid_t pid, int status);
/* The command's own wait status, once it has ended. */
void watch_root_ended(struct watch *w, int status);
/* After the command has ended: stops answering (the keeper goes on) and
 * turns what was seen into ps, one entry per process of the tree. */
void watch_finish(struct watch *w, struct procs *ps);
/* filter.c: the listener, received over sock; a negative errno if none. */
int watch_recv_fd(int sock);

#endif
