/* dlclose: code it unmaps may be followed by other code at the same
 * addresses, so the stack walker's cached rules stop counting, and none
 * is used while the unloading is under way.  The call itself is passed
 * through untouched. */
#include "real.h"

__attribute__((visibility("default"))) int dlclose(void *handle)
{
	int r;

	nsp_real_init();
	nsp_walk_unloading(0);
	r = nsp_real.dlclose(handle);
	nsp_walk_unloading(1);
	return r;
}
