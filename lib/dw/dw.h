/* lib/dw: naming frames from symbol tables and DWARF with elfutils.
 * Ordinary code: it allocates and takes the loader's lock, so it never
 * runs in a signal handler or a wrapper. */
#ifndef NSP_DW_H
#define NSP_DW_H

#include "base/proc.h"
#include "report/sym.h"

/* A symbolizer for pid (0: this process; or any live thread's tid) that
 * names functions and file:line with libdw where it can be loaded (and,
 * in this process, exported names through dladdr where it cannot).  A
 * removed file is read through /proc (see dw.c). */
struct nsp_sym *nsp_sym_open_dw(struct nsp_arena *a, pid_t pid);
/* The same where a removed executable is opened at exe (a descriptor the
 * process handed over: "/proc/self/fd/N") rather than at /proc/PID/exe. */
struct nsp_sym *nsp_sym_open_dw_exe(struct nsp_arena *a, pid_t pid, const char *exe);

#endif
