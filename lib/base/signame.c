/* Signal names and default actions, from a table of our own: the report
 * names a signal from inside a signal handler, where strsignal() and
 * friends (locale, static buffers) have no business. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "base/fmt.h"
#include "base/signame.h"

static const struct {
	int sig;
	const char *name; /* without "SIG" */
	int fatal;        /* default action terminates the process */
} table[] = {
	{ SIGHUP, "HUP", 1 },     { SIGINT, "INT", 1 },       { SIGQUIT, "QUIT", 1 },
	{ SIGILL, "ILL", 1 },     { SIGTRAP, "TRAP", 1 },     { SIGABRT, "ABRT", 1 },
	{ SIGBUS, "BUS", 1 },     { SIGFPE, "FPE", 1 },       { SIGKILL, "KILL", 1 },
	{ SIGUSR1, "USR1", 1 },   { SIGSEGV, "SEGV", 1 },     { SIGUSR2, "USR2", 1 },
	{ SIGPIPE, "PIPE", 1 },   { SIGALRM, "ALRM", 1 },     { SIGTERM, "TERM", 1 },
	{ SIGSTKFLT, "STKFLT", 1 }, { SIGCHLD, "CHLD", 0 },   { SIGCONT, "CONT", 0 },
	{ SIGSTOP, "STOP", 0 },   { SIGTSTP, "TSTP", 0 },     { SIGTTIN, "TTIN", 0 },
	{ SIGTTOU, "TTOU", 0 },   { SIGURG, "URG", 0 },       { SIGXCPU, "XCPU", 1 },
	{ SIGXFSZ, "XFSZ", 1 },   { SIGVTALRM, "VTALRM", 1 }, { SIGPROF, "PROF", 1 },
	{ SIGWINCH, "WINCH", 0 }, { SIGIO, "IO", 1 },         { SIGPWR, "PWR", 1 },
	{ SIGSYS, "SYS", 1 },     { SIGABRT, "IOT", 1 },      { SIGIO, "POLL", 1 },
	{ SIGCHLD, "CLD", 0 },
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

/* The kernel's numbers: glibc keeps two real-time signals for itself and
 * its SIGRTMIN moves with that; names are given against the kernel's. */
#define KERNEL_RTMIN 32

int nsp_sig_fatal_by_default(int sig)
{
	if (sig >= KERNEL_RTMIN && sig <= NSP_SIG_MAX)
		return 1;
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].sig == sig)
			return table[i].fatal;
	return 0;
}

/* "SIGTERM", "SIGRTMIN+3", or "SIG<n>" for a number without a name. */
const char *nsp_sig_name(int sig, char buf[NSP_SIGNAME_MAX])
{
	for (size_t k = 0; k < NTABLE; k++) {
		if (table[k].sig == sig) {
			strcpy(buf, "SIG");
			strcpy(buf + 3, table[k].name);
			return buf;
		}
	}
	if (sig >= KERNEL_RTMIN && sig <= NSP_SIG_MAX) {
		strcpy(buf, "SIGRTMIN+");
		buf[9 + nsp_fmt_dec(buf + 9, (uint64_t)(sig - KERNEL_RTMIN))] = 0;
	} else {
		strcpy(buf, "SIG");
		buf[3 + nsp_fmt_dec(buf + 3, (uint64_t)sig)] = 0;
	}
	return buf;
}

static int parse_num(const char *s, size_t n)
{
	const char *p = s;
	uint64_t v;

	if (!n || n > 3 || nsp_parse_dec(&p, s + n, &v) != (int)n)
		return -1;
	return (int)v;
}

/* "SIGTERM", "TERM", "term", "15", "SIGRTMIN+2" or "RTMIN+2": the number,
 * or -1.  Case does not matter. */
int nsp_sig_parse(const char *s, size_t n)
{
	char up[16];
	int v;

	if (n >= sizeof(up))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		up[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 32) : s[i];
	up[n] = 0;
	s = up;
	if (n > 3 && !memcmp(s, "SIG", 3)) {
		s += 3;
		n -= 3;
	}
	if ((v = parse_num(s, n)) >= 0)
		return v >= 1 && v <= NSP_SIG_MAX ? v : -EINVAL;
	if (n > 6 && !memcmp(s, "RTMIN+", 6)) {
		v = parse_num(s + 6, n - 6);
		return v >= 0 && KERNEL_RTMIN + v <= NSP_SIG_MAX ? KERNEL_RTMIN + v : -EINVAL;
	}
	for (size_t i = 0; i < NTABLE; i++)
		if (strlen(table[i].name) == n && !memcmp(table[i].name, s, n))
			return table[i].sig;
	return -EINVAL;
}
