/* NAMSPILL_OPTIONS: one table, one parser, for the library and the tools. */
#ifndef NSP_OPTIONS_H
#define NSP_OPTIONS_H

#include "base/base.h"

#define NSP_MAX_PATH 512
#define NSP_MAX_DEPTH 64 /* frames kept per stack, at most */

struct nsp_options {
	char log_path[NSP_MAX_PATH]; /* "" = stderr, only when spills */
	int json;
	int exitcode;
	int stack_depth;
	int verbosity;
	int help;
	uint64_t signals;  /* bit sig-1: report when sig would kill the process */
	int report_signal; /* 0: no on-demand reports */
	char symbolizer[NSP_MAX_PATH]; /* "" = look next to the library */
	char suppressions[NSP_MAX_PATH]; /* "" = none */
	int start_marker;
	int history_ns; /* read the namespace each switch led to */
	uint64_t watch; /* namspill's supervisor listens (lib/base/watch.h); 0: none */
};

typedef void (*nsp_warn_fn)(const char *msg, const char *key, const char *val);
/* Every option at its default, from the table. */
void nsp_options_defaults(struct nsp_options *o);
/* The same for options all zero already (a static's at start-up): no
 * call into the C library. */
void nsp_options_zero_defaults(struct nsp_options *o);
/* Parse NAMSPILL_OPTIONS syntax; calls warn once per bad key or value. */
void nsp_options_parse(struct nsp_options *o, const char *s, nsp_warn_fn warn);
void nsp_options_print(int fd, const struct nsp_options *o);
/* The entries that differ from the defaults, as a NAMSPILL_OPTIONS
 * string that parses back to o; -1 if it does not fit or a value holds
 * both kinds of quote. */
int nsp_options_format(const struct nsp_options *o, char *buf, size_t cap);
/* The values of n variables of env (NULL where unset) in one pass, no
 * function called: getenv's answer, for the start-up of every process. */
void nsp_env_scan(char *const *env, const char *const *names, const char **vals, int n);

#endif
