/* Naming frames from a signal handler: asks the namspill-symbolize program. */
#ifndef NSP_SYMEXT_H
#define NSP_SYMEXT_H

#include "report/sym.h"

void nsp_symext_init(void);
struct nsp_symext_early;
/* Before a report is collected: for a process with many threads, starts
 * the helper on every address the records hold; NULL if not started. */
struct nsp_symext_early *nsp_symext_early(struct nsp_arena *a);
void nsp_symext_cancel(struct nsp_symext_early *e); /* NULL: nothing */
const char *nsp_symext_outcome(const struct nsp_symext_early *e); /* NULL if none */
/* Like nsp_sym_open(a, 1) for the addresses in r, safe in a signal
 * handler; NULL if the helper could not be asked or did not answer.
 * Takes the early helper's answer when it was asked them all; ends it
 * in any case. */
struct nsp_sym *nsp_symext_open(struct nsp_arena *a, const struct nsp_report *r,
				struct nsp_symext_early *early);
const char *nsp_symext_helper(void); /* its path, for messages */

#endif
