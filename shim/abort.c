/* abort(): the process still dies as it would, by the same SIGABRT after
 * the program's own handler ran once, with the final report written first
 * even when that handler returns (lib/rt/sigreport.c says how). */
#include <stdlib.h>

#include "real.h"

__attribute__((visibility("default"))) void abort(void)
{
	/* Resolving the real functions calls abort() when it finds no C
	 * library it knows: that call must not start resolving again. */
	static __thread int resolving NSP_TLS;
	void (*real)(void) = nsp_real.abort;

	if (!resolving) {
		resolving = 1;
		nsp_real_init();
		real = NSP_REAL(abort);
		resolving = 0;
	}
	if (real) {
		nsp_abort_prepare();
		real();
	}
	nsp_abort_unresolved();
}
