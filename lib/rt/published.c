/* The state `namspill ps --stacks` reads from this process's memory
 * (base/psstate.h).  Only written here; ps finds it by the magic. */
#include <string.h>

#include "base/psstate.h"
#include "rt/rt.h"

__attribute__((used)) struct nsp_ps_state nsp_ps_state = {
	.magic = NSP_PS_MAGIC,
};

NSP_STARTUP void nsp_ps_publish_options(void)
{
	memcpy(nsp_ps_state.log_path, nsp_opt.log_path, sizeof(nsp_ps_state.log_path));
	nsp_ps_state.log_path[sizeof(nsp_ps_state.log_path) - 1] = 0;
	atomic_store(&nsp_ps_state.report_signal, nsp_opt.report_signal);
}

NSP_RUNTIME_SAFE void nsp_ps_publish_owner(int sig, int ours)
{
	if (sig == nsp_opt.report_signal)
		atomic_store(&nsp_ps_state.owned, ours);
}
