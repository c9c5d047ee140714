/* lib/rt: the runtime inside the program, behind the shim's wrappers.
 *
 * It records every thread's namespace switches and reports at exit and at
 * fatal signals, so everything here may run in a wrapper's hot path, in a
 * signal handler (ours, or the program's own that calls exit()) or in the
 * child of fork(): no malloc, no stdio, no locks the program could hold;
 * memory from lock-free pools and arenas, output through lib/base.  Two
 * exceptions, each said where it is: a stack walk that meets a frame its
 * table has no rule for asks the loader (dl_iterate_phdr), and libunwind,
 * which takes what its own table cannot. */
#ifndef NSP_RT_H
#define NSP_RT_H

#include "base/options.h"
#include "base/psstate.h"

#define NSP_TLS __attribute__((tls_model("initial-exec")))
/* Code a sanitizer runtime reaches before it has set up the thread it
 * runs on: its sigaction and sigaltstack go to ours while it starts, and
 * its pthread_create interceptor hands ours its own start function, so
 * our trampoline runs first on the new thread.  ThreadSanitizer's
 * per-function hooks would run there without a thread state and crash;
 * code marked so has none.  AddressSanitizer asks dlsym for its real
 * functions before it has mapped its shadow memory, which every
 * instrumented load and store reads: the way to the real dlsym is not
 * instrumented either. */
#define NSP_RUNTIME_SAFE __attribute__((no_sanitize("thread", "address", "undefined")))

/* ---- init.c */

extern struct nsp_options nsp_opt; /* as NAMSPILL_OPTIONS set them */
extern _Atomic int nsp_passive;    /* another copy of the library is in charge */
const char *nsp_version(void);
void nsp_init(void);
/* Signal handlers, signal stacks and the unwinder, once the process can
 * have something to report (its first thread or switch); idempotent. */
void nsp_arm(void);
void nsp_init_ready(void); /* libc is initialised: environ can be read */

/* ---- published.c: what `namspill ps --stacks` reads from our memory */

extern struct nsp_ps_state nsp_ps_state;
void nsp_ps_publish_options(void);
/* Whether our handler is the one installed for sig (report_signal). */
void nsp_ps_publish_owner(int sig, int ours);

#endif
