/* lib/dw: naming frames from symbol tables and DWARF with elfutils.
 * Ordinary code: it allocates and takes the loader's lock, so it never
 * runs in a signal handler or a wrapper. */
#ifndef NSP_DW_H
#define NSP_DW_H

#include "base/proc.h"
#include "report/sym.h"

/* A symbolizer for pid (0: this process) that names functions and
 * file:line with libdw where it can be loaded (and, in this process,
 * exported names through dladdr where it cannot). */
struct nsp_sym *nsp_sym_open_dw(struct nsp_arena *a, pid_t pid);

#endif
