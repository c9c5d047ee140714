/* Helper tasks for long /proc reads: bare clones that share our memory
 * and run while the caller waits. */
#ifndef NSP_HELPERS_H
#define NSP_HELPERS_H

#include "base/arena.h"

#define NSP_MAX_PARTS 4

/* clone(flags) onto stack, running fn(arg) there; the new task ends when
 * fn returns.  tid: CLONE_PARENT_SETTID / CLONE_CHILD_CLEARTID word. */
long nsp_clone_run(unsigned long flags, char *stack, size_t size, void (*fn)(void *), void *arg,
		   _Atomic pid_t *tid);
/* At start-up; forced: cut every piece of work into that many parts
 * (a test mode, NSP_TEST_PARTS), 0 to cut by size. */
void nsp_helpers_init(int forced);
/* May a task share our memory without being a thread (CLONE_VM alone)?
 * Not under valgrind nor in sanitizer builds. */
int nsp_may_share_memory(void);
/* Runs under valgrind, which takes no clone() but a thread's or a fork's. */
int nsp_under_valgrind(void);
/* A system call that leaves errno alone: a negative errno on failure. */
long nsp_raw_syscall(long nr, long a, long b, long c, long d);
/* A seccomp filter not ours is installed (or /proc/self/status is
 * unreadable): no clone() the program did not ask for, its filter might
 * kill for it. */
int nsp_seccomp_filtered(void);
/* The same, 1 or 0, or -1 where /proc/self/status cannot be read. */
int nsp_seccomp_state(void);
/* At start-up: n filters installed are namspill's own, which let any
 * clone through. */
void nsp_seccomp_ours(int n);
/* How many parts to cut `items` into, at least per_part items each: one
 * per CPU we may run on, up to NSP_MAX_PARTS. */
int nsp_parts(size_t items, size_t per_part);
/* fn(arg, part, parts) for every part, parts 1.. on helper tasks that
 * must touch no thread-local state (errno included); returns when all
 * are done.  Helper stacks come from the arena. */
void nsp_run_parts(struct nsp_arena *a, int parts, void (*fn)(void *arg, int part, int parts),
		   void *arg);

#endif
