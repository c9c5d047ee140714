/* Start-up: options, unwinder, fork handling.  Idempotent and callable from
 * any wrapper, because other libraries' constructors may create threads or
 * switch namespaces before ours runs. */
#include <pthread.h>
#include <stdlib.h>
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

static _Atomic int state; /* 0 not started, 1 running, 2 done */
static _Atomic int libc_ready;
_Atomic int nsp_passive;
struct nsp_options nsp_opt;
struct nsp_supp nsp_rules;

/* Called by our constructor: libc's own constructor has run by then. */
void nsp_init_ready(void)
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

static void atfork_child(void)
{
	nsp_registry_atfork_child();
	nsp_mark_start(1);
}

/* What a process needs only once it can have something to report: its
 * first thread (which may end up in another namespace than the rest) or
 * its first recorded switch.  Until then it has no signal handler, no
 * signal stack and no unwinder of ours, and pays nothing for them (most
 * processes of a build or a test run never get here: shells, compilers).
 * A fatal signal in a process not armed has nothing to report: its one
 * thread is its own majority and made no switch. */
static _Atomic int armed; /* 0 no, 1 being armed, 2 yes */

void nsp_arm(void)
{
	int zero = 0;

	if (atomic_load_explicit(&armed, memory_order_acquire) == 2 ||
	    !atomic_compare_exchange_strong(&armed, &zero, 1))
		return; /* armed, or being armed by this or another thread */
	nsp_under_valgrind();
	nsp_sanrt_init();
	nsp_unwind_init();
	nsp_sig_install();
	nsp_altstack_init();
	atomic_store_explicit(&armed, 2, memory_order_release);
}

/* Start-up proper: options, and what must be taken now (the working
 * directory for a relative log_path or library path, start markers).
 * No descriptor stays open, no signal disposition changes. */
void nsp_init(void)
{
	const char *parts;
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
	nsp_out_check_std();
	nsp_options_defaults(&nsp_opt);
	nsp_options_parse(&nsp_opt, secure_getenv("NAMSPILL_OPTIONS"), warn);
	if (nsp_opt.report_signal)
		nsp_opt.signals &= ~NSP_SIGBIT(nsp_opt.report_signal);
	if (nsp_opt.help)
		nsp_options_print(2, &nsp_opt);
	nsp_emit_init();
	nsp_ps_publish_options();
	/* A test hook (tests/func/test_scale.py): work cut into parts
	 * whatever its size, so the cutting is exercised by small tests. */
	parts = secure_getenv("NSP_TEST_PARTS");
	nsp_helpers_init(parts ? atoi(parts) : 0);
	nsp_seccomp_ours(nsp_opt.watch ? 1 : 0);
	nsp_symext_init();
	nsp_supp_load(&nsp_rules, nsp_opt.suppressions);
	nsp_mark_start(0);
	pthread_atfork(NULL, NULL, atfork_child);
	/* A report on request can come at any time. */
	if (nsp_opt.report_signal)
		nsp_arm();
	atomic_store_explicit(&state, 2, memory_order_release);
}
