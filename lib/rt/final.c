/* One final report per process: at exit, or at a fatal signal, whichever
 * comes first.  A thread that finds another writing it waits for it to be
 * whole; a fork child has a pid of its own and reports again.  While the
 * exit report is written, the fatal signals we report are held off on
 * that thread, so one arriving then is taken by another thread (which
 * waits) or delivered once the report is whole. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "base/proc.h"
#include "rt/emit.h"
#include "rt/registry.h"
#include "rt/rt.h"
#include "rt/signals.h"

/* (pid << 34) | (writer tid << 2) | state */
static _Atomic uint64_t claim;
/* (pid << 8) | a fatal signal that came while the exit report was written */
static _Atomic uint64_t deferred;

enum { FREE, WRITING, DONE };

#define WAIT_MS 30000 /* a writer that never finishes does not keep us forever */

enum nsp_claim nsp_final_claim(void)
{
	uint64_t pid = (uint64_t)getpid(), tid = (uint64_t)gettid();
	uint64_t cur = atomic_load(&claim), mine = pid << 34 | tid << 2 | WRITING;

	for (;;) {
		if (cur >> 34 == pid && (cur & 3) == DONE)
			return NSP_DONE;
		if (cur >> 34 == pid && (cur & 3) == WRITING)
			return ((cur >> 2) & 0xffffffff) == tid ? NSP_BUSY_HERE : NSP_BUSY;
		if (atomic_compare_exchange_weak(&claim, &cur, mine))
			return NSP_CLAIMED;
	}
}

void nsp_final_done(void)
{
	atomic_store(&claim, (uint64_t)getpid() << 34 | DONE);
}

/* sig: the fatal signal the waiting thread will die of (0: none).  The
 * exit report's writer dies of it too, rather than exit first. */
void nsp_final_wait(int sig)
{
	static const struct timespec ms = { 0, 1000000 };
	uint64_t pid = (uint64_t)getpid();

	if (sig)
		atomic_store(&deferred, pid << 8 | (uint64_t)sig);
	for (int i = 0; i < WAIT_MS; i++) {
		uint64_t cur = atomic_load(&claim);
		if (cur >> 34 != pid || (cur & 3) != WRITING)
			return;
		nanosleep(&ms, NULL);
	}
}

/* A fatal signal came while we wrote the exit report, and would have
 * ended the process had we not held it off: it still does, now. */
static void die_if_deferred(void)
{
	uint64_t d = atomic_load(&deferred);
	int sig = (int)(d & 0xff);

	if (!sig || d >> 8 != (uint64_t)getpid())
		return;
	nsp_sig_release(sig);
	tgkill(getpid(), gettid(), sig); /* delivered when the mask is restored */
}

/* (pid << 32) | spills not suppressed, as the exit report found them:
 * whichever thread exits, and however many, the status rule is the same. */
static _Atomic uint64_t verdict;

static int status_rule(int status)
{
	uint64_t v = atomic_load(&verdict);

	if (v >> 32 == (uint64_t)getpid() && (uint32_t)v && status == 0 && nsp_opt.exitcode)
		return nsp_opt.exitcode;
	return status;
}

/* A process that never had a second thread cannot have one spilled: its
 * only thread is its own majority; nor can one whose other threads have
 * all ended (joined, say) by now.  Then there is nothing to report
 * unless a clean report was asked for (a log file, verbosity). */
NSP_STARTUP static int nothing_to_say(void)
{
	/* Under namspill's supervisor, which looks at every process as it
	 * ends, a report only adds the causes: none if no call was recorded,
	 * and none is handed over without a spill. */
	if (nsp_opt.watch)
		return !nsp_threaded() || !nsp_pool_high(&nsp_events) || nsp_proc_alone(0) == 1;
	if (nsp_opt.verbosity > 0 || nsp_opt.log_path[0])
		return 0;
	return !nsp_threaded() || nsp_proc_alone(0) == 1;
}

NSP_STARTUP int nsp_final_exit(int status)
{
	sigset_t mask;
	int n;

	if (atomic_load(&nsp_passive) || nothing_to_say())
		return status;
	switch (nsp_final_claim()) {
	case NSP_CLAIMED:
		break;
	case NSP_BUSY:
		nsp_final_wait(0);
		return status_rule(status);
	default:
		return status_rule(status);
	}
	nsp_sig_block_fatal(&mask);
	n = nsp_self_report(NSP_TRIGGER_EXIT, 0);
	if (n > 0)
		atomic_store(&verdict, (uint64_t)getpid() << 32 | (uint32_t)n);
	if (nsp_opt.verbosity >= 2)
		nsp_emit_pool_stats();
	nsp_final_done();
	die_if_deferred();
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	return status_rule(status);
}
