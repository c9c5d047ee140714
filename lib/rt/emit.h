/* Where this process's reports go, and the one final report per process. */
#ifndef NSP_EMIT_H
#define NSP_EMIT_H

#include "base/suppress.h"
#include "report/report.h"
#include "rt/rt.h"

extern struct nsp_supp nsp_rules; /* of the suppressions option */

/* ---- emit.c */

/* At start-up, after the options; arena_kib: a test's report arena size
 * (NSP_TEST_ARENA_KIB), or NULL. */
void nsp_emit_init(const char *arena_kib);
/* The entry point of every report of this process (exit, fatal signal,
 * request): collects, names and writes it per the options; returns the
 * number of spills not suppressed, or a negative errno if no verdict
 * could be taken.  Signal and request reports are written from a signal
 * handler: frames are then named by namspill-symbolize, and requests go to
 * files of their own. */
int nsp_self_report(enum nsp_trigger trigger, int signo);
/* verbosity=2: the pools' high-water marks, one line on stderr. */
void nsp_emit_pool_stats(void);
/* With start_marker and log_path: PATH.<pid>.start says this process runs
 * with the shim (forked: in a fork child, before any exec); the final
 * report removes it. */
void nsp_mark_start(int forked);
/* At the first thread the process starts: renames the marker
 * PATH.<pid>.threads, and nsp_threaded() is 1 from then on. */
void nsp_mark_threads(void);
int nsp_threaded(void);
/* Under namspill's supervisor, before a switch made with the watch key:
 * tells it the process moves (once per process); -1: not told, make the
 * switch without the key. */
int nsp_watch_tell_switch(void);
/* In a fork child: not told yet. */
void nsp_watch_forget_told(void);

/* ---- final.c: one final report per process, from exit or a fatal signal */

enum nsp_claim { NSP_CLAIMED, NSP_DONE, NSP_BUSY, NSP_BUSY_HERE };
enum nsp_claim nsp_final_claim(void);
void nsp_final_done(void);
/* Waits (bounded) while another thread writes the final report; sig is
 * the fatal signal the caller will die of, 0 if none. */
void nsp_final_wait(int sig);
/* The report at exit, once per process: returns the status to exit with. */
int nsp_final_exit(int status);

#endif
