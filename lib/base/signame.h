/* Names and default actions of signals, from a table of our own. */
#ifndef NSP_SIGNAME_H
#define NSP_SIGNAME_H

#include "base/base.h"

#define NSP_SIG_MAX 64
#define NSP_SIGNAME_MAX 16
#define NSP_SIGBIT(sig) (1ull << ((sig) - 1))

int nsp_sig_fatal_by_default(int sig);
const char *nsp_sig_name(int sig, char buf[NSP_SIGNAME_MAX]);
/* "SIGTERM", "term", "15", "RTMIN+2": the number, or -1. */
int nsp_sig_parse(const char *s, size_t n);

#endif
