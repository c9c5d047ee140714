/* Signals: the dispositions we took over (as the program sees them), the
 * handler that reports, and our alternate signal stacks. */
#ifndef NSP_SIGNALS_H
#define NSP_SIGNALS_H

#include <signal.h>

#include "rt/rt.h"

/* The real libc functions, filled in by the shim before nsp_init(). */
struct nsp_libc {
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*sigaltstack)(const stack_t *, stack_t *);
};
extern struct nsp_libc nsp_libc;

/* ---- sigstate.c: we install our handler only where the program's
 * disposition is the default; its own handlers and SIG_IGN are never
 * touched. */
void nsp_sig_install(void); /* at start-up, after the options */
int nsp_sig_managed(int sig);
/* sigaction() as the program would see it without us. */
int nsp_sig_action(int sig, const struct sigaction *act, struct sigaction *old);
/* Gives a signal back to the default disposition for real (to die by it). */
void nsp_sig_release(int sig);
void nsp_sig_block_fatal(sigset_t *old); /* around the exit report */

/* ---- sigreport.c: the handler */
void nsp_sig_handler(int sig, siginfo_t *si, void *uc);
/* abort() up to where glibc's would give SIGABRT back to the default: the
 * program's handler has run (or SIGABRT is ignored), the final report is
 * written, SIGABRT is at the default; the real abort() then kills. */
void nsp_abort_prepare(void);
/* Dies by SIGABRT with raw system calls: no real abort() was found. */
__attribute__((noreturn)) void nsp_abort_unresolved(void);

/* ---- altstack.c: a signal stack of ours for threads that have none, so
 * a thread that ran out of stack still gets its crash reported. */
void nsp_altstack_init(void);
void nsp_altstack_thread_begin(void);
/* At a recorded switch: this thread and every thread begun from now on
 * get one.  owner: the tid of the thread whose record the switch went to.
 * Settled: this thread has been through its first switch (or its end), so
 * later ones cost a thread-local load. */
extern __thread int nsp_altstack_settled NSP_TLS;
void nsp_altstack_first_switch(pid_t owner);
static inline void nsp_altstack_switch(pid_t owner)
{
	if (!nsp_altstack_settled)
		nsp_altstack_first_switch(owner);
}
void nsp_altstack_thread_end(void);
/* sigaltstack() as the program would see it without us. */
int nsp_altstack_call(const stack_t *ss, stack_t *old);
/* Is there room for a report on the signal stack this handler runs on? */
int nsp_altstack_room(void);

#endif
