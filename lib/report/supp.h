/* Suppressions applied to reports. */
#ifndef NSP_REPORT_SUPP_H
#define NSP_REPORT_SUPP_H

#include "base/suppress.h"
#include "report/sym.h"

/* Adds the rules of a suppression file to set (plain syscalls, no malloc);
 * each bad line gets one message on stderr naming file and line.  0, or a
 * negative errno (-EFBIG: over 1 MiB; -EINVAL: not a regular file). */
int nsp_supp_read(struct nsp_supp *set, const char *path);
/* The same, and one message on stderr if the file cannot be read. */
int nsp_supp_load(struct nsp_supp *set, const char *path);
/* Marks the spills of r that rules suppress (names from s); returns how
 * many are left, the count that fails a run. */
size_t nsp_report_suppress(struct nsp_report *r, struct nsp_sym *s, const struct nsp_supp *rules);

#endif
