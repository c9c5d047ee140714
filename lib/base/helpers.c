/* Helper threads for the report's /proc reads, which cost the kernel a
 * few microseconds each and come ten thousand at a time: the work is cut
 * into parts, one per CPU we may run on (up to NSP_MAX_PARTS), and the
 * helpers take all parts but the first.
 *
 * A helper is a bare clone(): no thread-local storage of its own (it runs
 * on ours), so it may only call code that touches no errno or other
 * thread-local state, such as nsp_raw_syscall(); every signal is blocked
 * in it, so the program's handlers never run there; it lives while the
 * caller waits for it and ends with a plain exit.  Its stack comes from
 * the report's arena.  Where a helper cannot be started (thread limits)
 * the caller does that part itself; a process under a seccomp filter gets
 * none, as its filter might kill it for a clone it did not expect. */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/helpers.h"
#include "base/proc.h"

#ifndef __x86_64__
#error "the stack walker and helper threads are written for x86_64"
#endif

#define STACK_SIZE (64 << 10)

/* Sanitizer runtimes keep per-thread state that a bare clone would share:
 * no helpers in those builds. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

struct helper {
	_Atomic pid_t tid; /* cleared by the kernel when the helper ends */
	void (*fn)(void *arg, int part, int parts);
	void *arg;
	int part, parts;
};

NSP_STARTUP long nsp_raw_syscall(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

static void helper_main(void *arg)
{
	struct helper *h = arg;

	h->fn(h->arg, h->part, h->parts);
}

/* clone() onto a stack holding fn and its argument: the new task pops
 * them, runs fn and exits (that task only) without returning here. */
long nsp_clone_run(unsigned long flags, char *stack, size_t size, void (*fn)(void *), void *arg,
		   _Atomic pid_t *ptid, _Atomic pid_t *ctid)
{
	void **sp = (void **)((uintptr_t)(stack + size) & ~(uintptr_t)15);
	long ret;

	*--sp = arg;
	*--sp = (void *)fn;
	/* Bound after those stores: instrumented (ThreadSanitizer), each is
	 * a call, which may use these registers. */
	register long r10 __asm__("r10") = (long)ctid;
	register long r8 __asm__("r8") = 0;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "pop %%rax\n\t"
			 "pop %%rdi\n\t"
			 "call *%%rax\n\t"
			 "mov %[exit], %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "0"(SYS_clone), "D"(flags), "S"(sp), "d"(ptid), "r"(r10), "r"(r8),
			   [exit] "i"(SYS_exit)
			 : "rcx", "r11", "memory");
	return ret;
}

static long start(struct helper *h, char *stack)
{
	return nsp_clone_run(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				     CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
			     stack, STACK_SIZE, helper_main, h, &h->tid, &h->tid);
}

/* Until the helper is gone from the thread group too: the kernel clears
 * its tid as it leaves the memory, a little before the thread is counted
 * out (a report that counts threads after its helpers must not count
 * one).  Bounded: a thread stuck there is left to the kernel. */
static void wait_for(struct helper *h)
{
	pid_t t, tid = atomic_load_explicit(&h->tid, memory_order_acquire);
	long tgid = nsp_raw_syscall(SYS_getpid, 0, 0, 0, 0);

	while ((t = atomic_load_explicit(&h->tid, memory_order_acquire)) != 0)
		nsp_raw_syscall(SYS_futex, (long)&h->tid, FUTEX_WAIT, t, 0);
	for (int i = 0; tid > 0 && i < 10000 &&
			nsp_raw_syscall(SYS_tgkill, tgid, tid, 0, 0) != -ESRCH;
	     i++)
		nsp_raw_syscall(SYS_sched_yield, 0, 0, 0, 0);
}

/* Filters known to let our clones be: namspill's own (lib/base/watch.h). */
static int ours;

NSP_STARTUP void nsp_seccomp_ours(int n)
{
	ours = n;
}

/* "Seccomp:" of the thread's status is not 0: a filter is installed, and
 * "Seccomp_filters:" says it is not only ours (1); 0 if none or only ours;
 * -1 if unreadable, or cut short before the line. */
int nsp_seccomp_state(void)
{
	char buf[4096];
	uint64_t mode, filters;
	ssize_t n;
	int cancel;

	/* Asked from inside the program's calls (setns, pthread_create): the
	 * reading must be no cancellation point of theirs.  Filters belong
	 * to threads: this one's status, not the main thread's. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	n = nsp_proc_read_task(0, NSP_PROC_THREAD_SELF, "status", buf, sizeof(buf));
	pthread_setcancelstate(cancel, NULL);

	/* No descriptor free to read it with (the program holds all its
	 * limit allows): where none of the filters could be ours, the
	 * kernel's word that there is none at all will do. */
	if ((n == -EMFILE || n == -ENFILE) && !ours)
		return nsp_raw_syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0) == 0 ? 0 : -1;
	if (n <= 0)
		return -1;
	if (nsp_status_num(buf, (size_t)n, "Seccomp", 10, &mode))
		return n == (ssize_t)sizeof(buf) ? -1 : 0; /* a kernel without seccomp */
	if (!mode)
		return 0;
	return nsp_status_num(buf, (size_t)n, "Seccomp_filters", 10, &filters) ||
	       filters > (uint64_t)ours;
}

int nsp_seccomp_filtered(void)
{
	return nsp_seccomp_state() != 0;
}

static int find_valgrind(struct dl_phdr_info *info, size_t size, void *found)
{
	(void)size;
	if (info->dlpi_name && strstr(info->dlpi_name, "/vgpreload_"))
		*(int *)found = 1;
	return 0;
}

/* Valgrind runs a clone that shares memory only as a thread or a vfork
 * (and ends the program for any other); a sanitizer runtime keeps state
 * per thread that such a task would share.  Looked at on first use: most
 * processes never need a helper. */
static _Atomic int valgrind = -1;
/* Test mode: every cut into this many parts, whatever the size, so the
 * code that cuts and joins parts runs in small tests too.  Where helpers
 * may not run (sanitizers, valgrind, a seccomp filter) the parts then run
 * one after another on the caller, which still checks the cutting. */
static int forced_parts;

NSP_STARTUP void nsp_helpers_init(int forced)
{
	forced_parts = forced < 0 ? 0 : forced > NSP_MAX_PARTS ? NSP_MAX_PARTS : forced;
}

int nsp_under_valgrind(void)
{
	int v = atomic_load_explicit(&valgrind, memory_order_relaxed);

	if (v < 0) {
		v = 0;
		dl_iterate_phdr(find_valgrind, &v);
		atomic_store(&valgrind, v);
	}
	return v;
}

int nsp_may_share_memory(void)
{
	return !SANITIZED && !nsp_under_valgrind();
}

int nsp_parts(size_t items, size_t per_part)
{
	unsigned long cpus[128]; /* 8192 CPUs */
	long got;
	int n = 1;

	if (forced_parts)
		return items < (size_t)forced_parts ? (items ? (int)items : 1) : forced_parts;
	if (SANITIZED || items < 2 * per_part || nsp_seccomp_filtered())
		return 1;
	/* The system call, which says how many bytes of the mask it wrote
	 * (the C library's wrappers bind two more symbol versions at every
	 * process's start). */
	got = nsp_raw_syscall(SYS_sched_getaffinity, 0, sizeof(cpus), (long)cpus, 0);
	if (got > 0) {
		n = 0;
		for (size_t i = 0; i < (size_t)got / sizeof(cpus[0]); i++)
			n += __builtin_popcountl(cpus[i]);
	}
	if ((size_t)n > items / per_part)
		n = (int)(items / per_part);
	return n < 1 ? 1 : n > NSP_MAX_PARTS ? NSP_MAX_PARTS : n;
}

void nsp_run_parts(struct nsp_arena *a, int parts, void (*fn)(void *, int, int), void *arg)
{
	struct helper h[NSP_MAX_PARTS];
	sigset_t all, old;
	int started[NSP_MAX_PARTS] = {0};

	if (parts > 1 && (SANITIZED || nsp_seccomp_filtered())) {
		/* Only the test mode cuts here: the parts in turn. */
		for (int p = 0; p < parts; p++)
			fn(arg, p, parts);
		return;
	}
	sigfillset(&all);
	nsp_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&old, _NSIG / 8);
	for (int p = 1; p < parts; p++) {
		char *stack = nsp_arena_alloc(a, STACK_SIZE);
		h[p] = (struct helper){.fn = fn, .arg = arg, .part = p, .parts = parts};
		started[p] = stack && start(&h[p], stack) > 0;
	}
	nsp_raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&old, 0, _NSIG / 8);
	fn(arg, 0, parts);
	for (int p = 1; p < parts; p++) {
		if (started[p])
			wait_for(&h[p]);
		else
			fn(arg, p, parts);
	}
}
