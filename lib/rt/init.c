/* Start-up: options, unwinder, fork handling.  Idempotent and callable from
 * any wrapper, because other libraries' constructors may create threads or
 * switch namespaces before ours runs. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/helpers.h"
#include "base/io.h"
#include "base/options.h"
#include "base/signame.h"
#include "base/out.h"
#include "report/supp.h"
#include "rt/emit.h"
#include "rt/registry.h"
#include "rt/rt.h"
#include "rt/signals.h"
#include "rt/symext.h"
#include "rt/unwind.h"

/* The C library's fork handler registry (GLIBC_2.3.2), called as its
 * static pthread_atfork (libc_nonshared.a) calls it, with our object's
 * handle. */
extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
			     void *dso);
extern void *__dso_handle;

static _Atomic int state; /* 0 not started, 1 running, 2 done */
static _Atomic int libc_ready;
_Atomic int nsp_passive;
struct nsp_options nsp_opt;
NSP_BIG_BSS struct nsp_supp nsp_rules;

/* Called by our constructor: libc's own constructor has run by then. */
NSP_STARTUP void nsp_init_ready(void)
{
	atomic_store(&libc_ready, 1);
}

/* The hidden name is this copy's own address; the public one may be bound
 * to another copy of the library. */
const char *nsp_version(void)
{
	return NAMSPILL_VERSION;
}

__attribute__((visibility("default"), alias("nsp_version"))) const char *namspill_version(void);

#define MAX_WARNINGS 8

static void warn(const char *msg, const char *key, const char *val)
{
	static int count;
	struct nsp_out o;

	if (++count > MAX_WARNINGS) {
		if (count == MAX_WARNINGS + 1)
			nsp_msg("warning: more bad entries in NAMSPILL_OPTIONS, not listed", NULL,
				NULL);
		return;
	}
	nsp_out_init(&o, 2);
	nsp_out_str(&o, "namspill: warning: ");
	nsp_out_str(&o, msg);
	nsp_out_str(&o, " '");
	nsp_out_str(&o, key);
	if (val) {
		nsp_out_str(&o, "=");
		nsp_out_str(&o, val);
	}
	nsp_out_str(&o, "' (ignored; see NAMSPILL_OPTIONS=help=1)\n");
	nsp_out_flush(&o);
}

/* This process's pid as the last fork told it (a vfork child, or one
 * made by a raw fork, still has its parent's): only a shortcut for
 * nsp_arm, which asks the kernel whenever it is not armed for it. */
static _Atomic pid_t known_pid;

static void atfork_child(void)
{
	atomic_store_explicit(&known_pid, getpid(), memory_order_relaxed);
	nsp_registry_atfork_child();
	nsp_watch_forget_told();
	nsp_mark_start(1);
}

/* What a process needs only once it can have something to report: its
 * first thread (which may end up in another namespace than the rest) or
 * its first recorded switch.  Until then it has no signal handler, no
 * signal stack and no unwinder of ours, and pays nothing for them (most
 * processes of a build or a test run never get here: shells, compilers).
 * A fatal signal in a process not armed has nothing to report: its one
 * thread is its own majority and made no switch.  Armed is said of a pid:
 * a vfork child shares our memory but not our signal handlers, so its
 * switch arms it, not us (a fork child inherits them: arming again there
 * changes nothing).  Before the options are read (a switch made from a
 * preinit_array function) there is nothing to take over yet: the process
 * is armed once they are. */
static _Atomic uint64_t armed; /* (pid << 2) | 0 no, 1 being armed, 2 yes */
static _Atomic int arm_wanted;

void nsp_arm(void)
{
	uint64_t pid, cur;

	/* Sequentially consistent with nsp_init's store of state and load
	 * of arm_wanted: one of the two arms. */
	if (atomic_load(&state) != 2) {
		atomic_store(&arm_wanted, 1);
		return;
	}
	/* Armed for the pid last known: returned without a system call (a
	 * vfork child of an armed process has its handlers, copied). */
	cur = atomic_load_explicit(&armed, memory_order_acquire);
	if ((cur & 3) == 2 &&
	    cur >> 2 == (uint64_t)atomic_load_explicit(&known_pid, memory_order_relaxed))
		return;
	pid = (uint64_t)getpid();
	if (cur >> 2 == pid || !atomic_compare_exchange_strong(&armed, &cur, pid << 2 | 1))
		return; /* armed, or being armed by this or another thread */
	nsp_under_valgrind();
	nsp_registry_arm();
	nsp_sanrt_init();
	nsp_unwind_init();
	nsp_sig_install();
	nsp_altstack_init();
	atomic_store_explicit(&armed, pid << 2 | 2, memory_order_release);
}

/* Start-up proper: options, and what must be taken now (the working
 * directory for a relative log_path or library path, start markers).
 * No descriptor stays open, no signal disposition changes. */
enum { ENV_OPTIONS, ENV_PARTS, ENV_ARENA, ENV_N };
static const char *const env_names[ENV_N] = { "NAMSPILL_OPTIONS", "NSP_TEST_PARTS",
					      "NSP_TEST_ARENA_KIB" };

NSP_STARTUP void nsp_init(void)
{
	const char *env[ENV_N] = { NULL };
	int zero = 0;

	if (atomic_load_explicit(&state, memory_order_acquire) == 2)
		return;
	/* A program's preinit_array (where an instrumented program starts
	 * its sanitizer runtime) runs before libc's constructor has set
	 * environ: NAMSPILL_OPTIONS cannot be read yet.  The wrappers pass
	 * calls through until a later call, at the latest our constructor,
	 * starts us. */
	if (!environ && !atomic_load(&libc_ready))
		return;
	if (!atomic_compare_exchange_strong(&state, &zero, 1))
		return; /* being done by this or another thread */
	if (atomic_load(&nsp_passive)) {
		atomic_store_explicit(&state, 2, memory_order_release);
		return;
	}
	/* As secure_getenv: nothing of the environment in a set-user-ID
	 * process (asked only when something is set).  The test hooks: tests/func/test_scale.py cuts work into
	 * parts whatever its size, so that small tests exercise the cutting;
	 * a test's arena size (emit.c). */
	nsp_env_scan(environ, env_names, env, ENV_N);
	if ((env[0] || env[1] || env[2]) && getauxval(AT_SECURE))
		env[0] = env[1] = env[2] = NULL;
	nsp_out_check_std();
	nsp_options_zero_defaults(&nsp_opt); /* all zero until now: a static */
	nsp_options_parse(&nsp_opt, env[ENV_OPTIONS], warn);
	if (nsp_opt.report_signal)
		nsp_opt.signals &= ~NSP_SIGBIT(nsp_opt.report_signal);
	if (nsp_opt.help)
		nsp_options_print(2, &nsp_opt);
	nsp_emit_init(env[ENV_ARENA]);
	nsp_ps_publish_options();
	nsp_helpers_init(env[ENV_PARTS] ? atoi(env[ENV_PARTS]) : 0);
	nsp_seccomp_ours(nsp_opt.watch ? 1 : 0);
	nsp_symext_init();
	nsp_supp_load(&nsp_rules, nsp_opt.suppressions);
	nsp_mark_start(0);
	/* What pthread_atfork() does, from the C library's static part, done
	 * here: linked in, that function would sit apart from the rest of
	 * start-up's code. */
	__register_atfork(NULL, NULL, atfork_child, __dso_handle);
	atomic_store_explicit(&known_pid, (pid_t)nsp_raw_syscall(SYS_getpid, 0, 0, 0, 0),
			      memory_order_relaxed);
	atomic_store(&state, 2);
	/* A report on request can come at any time; a thread or a switch
	 * seen before the options were read asked to be armed too. */
	if (nsp_opt.report_signal || atomic_load(&arm_wanted))
		nsp_arm();
}
