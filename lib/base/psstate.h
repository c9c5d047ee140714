/* What a process running the library tells `namspill ps --stacks`.  The
 * library keeps one of these in its data, and ps reads it from the
 * process's memory (/proc/PID/mem), finding it by its magic in the
 * library's writable mapping: nothing is sent to a process before this
 * says the signal will reach the library's handler, and not the
 * program's, and where the report will be.  Whatever ps reads here comes
 * from the process and is checked as untrusted input. */
#ifndef NSP_PSSTATE_H
#define NSP_PSSTATE_H

#include "base/base.h"
#include "base/options.h"

#define NSP_PS_MAGIC "namspill:ps:v3\n" /* 16 bytes with its NUL */

struct nsp_ps_state {
	char magic[16];
	_Atomic int32_t report_signal; /* the option, 0 if unset */
	_Atomic int32_t owned;         /* 1 while our handler is the one installed */
	_Atomic uint64_t requests;     /* (pid << 32) | reports requested so far */
	/* (pid << 32) | k + 1: its files are log_path.<pid>[...].<k>... (k 0:
	 * no .<k>), another process having had the pid (lib/rt/emit.c);
	 * 0, or another pid, until chosen. */
	_Atomic uint64_t files;
	char log_path[NSP_MAX_PATH];   /* the log_path option, made absolute */
};

#endif
