/* NAMSPILL_OPTIONS: one table, sanitizer syntax.  Entries are key=value,
 * separated by ':', ',', space or newline; a value may be quoted with '
 * or ".  A bad key or value is reported once and the default stays. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

#include "base/options.h"
#include "base/out.h"
#include "base/signame.h"
#include "base/fmt.h"

/* Signals whose default action ends a test run: timeouts, crashes, aborts. */
#define DEFAULT_SIGNALS                                                              \
	(NSP_SIGBIT(SIGHUP) | NSP_SIGBIT(SIGINT) | NSP_SIGBIT(SIGQUIT) |             \
	 NSP_SIGBIT(SIGILL) | NSP_SIGBIT(SIGABRT) | NSP_SIGBIT(SIGBUS) |             \
	 NSP_SIGBIT(SIGFPE) | NSP_SIGBIT(SIGSEGV) | NSP_SIGBIT(SIGTERM) |            \
	 NSP_SIGBIT(SIGXCPU) | NSP_SIGBIT(SIGXFSZ) | NSP_SIGBIT(SIGSYS))

enum kind { OPT_STR, OPT_INT, OPT_BOOL, OPT_FORMAT, OPT_SIGSET, OPT_SIGNAL, OPT_KEY };

static const struct opt {
	const char *name;
	enum kind kind;
	size_t off;
	long min, max;
	uint64_t dflt; /* the default of a number or signal set; strings: "" */
	const char *help;
} table[] = {
	{ "log_path", OPT_STR, offsetof(struct nsp_options, log_path), 0, 0, 0,
	  "write the report to PATH.<pid> (always, even when clean); "
	  "default: stderr, only when there are spills" },
	{ "format", OPT_FORMAT, offsetof(struct nsp_options, json), 0, 1, 0,
	  "report format: text or json" },
	{ "exitcode", OPT_INT, offsetof(struct nsp_options, exitcode), 0, 255, 66,
	  "exit status when there are spills and the program would exit 0 "
	  "(0 keeps the status)" },
	{ "stack_depth", OPT_INT, offsetof(struct nsp_options, stack_depth), 1,
	  NSP_MAX_DEPTH, 32, "frames kept per stack" },
	{ "verbosity", OPT_INT, offsetof(struct nsp_options, verbosity), 0, 3, 0,
	  "0: reports and warnings; 1: also say when a process is clean; "
	  "2: also the size of the shim's record pools at exit" },
	{ "signals", OPT_SIGSET, offsetof(struct nsp_options, signals), 0, 0, DEFAULT_SIGNALS,
	  "signals that get a report before they kill the process, while their "
	  "disposition is the default: names joined by '+' (or quoted, with commas), "
	  "or none" },
	{ "report_signal", OPT_SIGNAL, offsetof(struct nsp_options, report_signal), 0, 0, 0,
	  "a signal that asks for a report while the program runs on (e.g. SIGUSR2; "
	  "not KILL, STOP or a fault: SEGV, BUS, FPE, ILL, ABRT, TRAP, SYS); 0: off" },
	{ "symbolizer", OPT_STR, offsetof(struct nsp_options, symbolizer), 0, 0, 0,
	  "the namspill-symbolize program that names the frames of reports (an exit "
	  "report names them itself if it does not answer); default: next to the library" },
	{ "help", OPT_BOOL, offsetof(struct nsp_options, help), 0, 1, 0,
	  "print this table on stderr at start-up" },
	{ "suppressions", OPT_STR, offsetof(struct nsp_options, suppressions), 0, 0, 0,
	  "file of spills not to fail on: lines spill:FUNCTION_GLOB or module:GLOB" },
	{ "start_marker", OPT_BOOL, offsetof(struct nsp_options, start_marker), 0, 1, 0,
	  "with log_path: create PATH.<pid>.start at start-up, removed when the "
	  "report is written (shows processes that ended without one)" },
	{ "history_ns", OPT_BOOL, offsetof(struct nsp_options, history_ns), 0, 1, 0,
	  "record the namespace each setns/unshare led to, for the path in reports "
	  "(one more system call per successful call; without it, the path names "
	  "only the namespaces known otherwise)" },
	{ "watch", OPT_KEY, offsetof(struct nsp_options, watch), 0, 0, 0,
	  "set by namspill: the key of the supervisor the process reports to (instead of "
	  "files); 0: none" },
};

void nsp_options_defaults(struct nsp_options *o)
{
	memset(o, 0, sizeof(*o));
	nsp_options_zero_defaults(o);
}

NSP_STARTUP void nsp_options_zero_defaults(struct nsp_options *o)
{
	for (size_t i = 0; i < NSP_ARRAY_LEN(table); i++) {
		char *field = (char *)o + table[i].off;
		if (table[i].kind == OPT_SIGSET || table[i].kind == OPT_KEY)
			*(uint64_t *)(void *)field = table[i].dflt;
		else if (table[i].kind != OPT_STR)
			*(int *)field = (int)table[i].dflt;
	}
}

static int catchable(int sig)
{
	return sig > 0 && sig != SIGKILL && sig != SIGSTOP;
}

/* A report signal's handler writes a request and returns.  After a fault
 * (SEGV, BUS, FPE, ILL, TRAP, SYS) that re-runs the faulting instruction
 * for ever, and abort() raises SIGABRT again until it kills: these can only
 * end the process, never ask for a report while it runs on. */
#define FAULT_SIGNALS                                                                \
	(NSP_SIGBIT(SIGSEGV) | NSP_SIGBIT(SIGBUS) | NSP_SIGBIT(SIGFPE) |             \
	 NSP_SIGBIT(SIGILL) | NSP_SIGBIT(SIGABRT) | NSP_SIGBIT(SIGTRAP) |            \
	 NSP_SIGBIT(SIGSYS))

static int report_signal_ok(int sig)
{
	return catchable(sig) && sig <= NSP_SIG_MAX && !(FAULT_SIGNALS & NSP_SIGBIT(sig));
}

/* "none", or names joined by '+', '|', ',' or spaces; each one must be a
 * signal whose default action ends the process and that can be caught. */
static int parse_sigset(const char *v, size_t n, uint64_t *set)
{
	uint64_t s = 0;
	size_t i = 0;

	if (n == 4 && !memcmp(v, "none", 4)) {
		*set = 0;
		return 0;
	}
	while (i < n) {
		size_t k = i;
		int sig;
		while (k < n && v[k] != '+' && v[k] != '|' && v[k] != ',' && v[k] != ' ')
			k++;
		if (k == i) { /* "TERM, HUP": a run of separators */
			i++;
			continue;
		}
		sig = nsp_sig_parse(v + i, k - i);
		if (!catchable(sig) || !nsp_sig_fatal_by_default(sig))
			return -1;
		s |= NSP_SIGBIT(sig);
		i = k + 1;
	}
	if (!s)
		return -1;
	*set = s;
	return 0;
}

static int parse_long(const char *s, size_t n, long *v)
{
	const char *p = s;
	uint64_t u;

	if (nsp_parse_dec(&p, s + n, &u) != (int)n || n == 0 || u > INT32_MAX)
		return -1;
	*v = (long)u;
	return 0;
}

static int set(struct nsp_options *o, const struct opt *d, const char *v, size_t n)
{
	char *field = (char *)o + d->off;
	long x;

	switch (d->kind) {
	case OPT_STR:
		if (n >= NSP_MAX_PATH)
			return -1;
		memcpy(field, v, n);
		field[n] = 0;
		return 0;
	case OPT_SIGSET:
		return parse_sigset(v, n, (uint64_t *)(void *)field);
	case OPT_KEY: {
		const char *p = v;
		uint64_t key;
		if (nsp_parse_hex(&p, v + n, &key) <= 0 || p != v + n)
			return -1;
		*(uint64_t *)(void *)field = key;
		return 0;
	}
	case OPT_SIGNAL:
		if ((n == 1 && *v == '0') || (n == 4 && !memcmp(v, "none", 4)))
			x = 0;
		else if (!report_signal_ok((int)(x = nsp_sig_parse(v, n))))
			return -1;
		break;
	case OPT_FORMAT:
		if (n == 4 && !memcmp(v, "text", 4))
			x = 0;
		else if (n == 4 && !memcmp(v, "json", 4))
			x = 1;
		else
			return -1;
		break;
	case OPT_BOOL:
		if (n == 1 && (*v == '0' || *v == '1'))
			x = *v - '0';
		else if ((n == 4 && !memcmp(v, "true", 4)) || (n == 3 && !memcmp(v, "yes", 3)))
			x = 1;
		else if ((n == 5 && !memcmp(v, "false", 5)) || (n == 2 && !memcmp(v, "no", 2)))
			x = 0;
		else
			return -1;
		break;
	default:
		if (parse_long(v, n, &x) || x < d->min || x > d->max)
			return -1;
	}
	*(int *)field = (int)x;
	return 0;
}

static int is_sep(char c)
{
	return c == ':' || c == ',' || c == ' ' || c == '\n' || c == '\t';
}

/* Copies a key or value (at most 255 bytes) into a NUL-terminated buffer
 * only for the warning; parsing works on the original string. */
static void warn_kv(nsp_warn_fn warn, const char *msg, const char *k, size_t kn,
		    const char *v, size_t vn)
{
	char kb[256], vb[256];

	kn = kn < sizeof(kb) - 1 ? kn : sizeof(kb) - 1;
	vn = vn < sizeof(vb) - 1 ? vn : sizeof(vb) - 1;
	memcpy(kb, k, kn);
	kb[kn] = 0;
	if (v)
		memcpy(vb, v, vn);
	vb[v ? vn : 0] = 0;
	/* The warning stays one printable line whatever the input held. */
	for (size_t i = 0; i < kn; i++)
		if ((unsigned char)kb[i] < 0x20 || kb[i] == 0x7f)
			kb[i] = '?';
	for (size_t i = 0; v && i < vn; i++)
		if ((unsigned char)vb[i] < 0x20 || vb[i] == 0x7f)
			vb[i] = '?';
	if (warn)
		warn(msg, kb, v ? vb : NULL);
}

NSP_STARTUP void nsp_options_parse(struct nsp_options *o, const char *s, nsp_warn_fn warn)
{
	while (s && *s) {
		const char *k, *v = NULL;
		size_t kn, vn = 0;
		const struct opt *d = NULL;
		int torn = 0;

		while (is_sep(*s))
			s++;
		if (!*s)
			break;
		k = s;
		while (*s && *s != '=' && !is_sep(*s))
			s++;
		kn = (size_t)(s - k);
		if (*s == '=') {
			char q = *++s;
			if (q == '"' || q == '\'') {
				v = ++s;
				while (*s && *s != q)
					s++;
				vn = (size_t)(s - v);
				if (*s)
					s++;
				else
					torn = 1;
			} else {
				v = s;
				while (*s && !is_sep(*s))
					s++;
				vn = (size_t)(s - v);
			}
		}
		for (size_t i = 0; i < NSP_ARRAY_LEN(table); i++)
			if (strlen(table[i].name) == kn && !memcmp(table[i].name, k, kn))
				d = &table[i];
		if (torn)
			warn_kv(warn, "unterminated quote in value of", k, kn, NULL, 0);
		else if (!d)
			warn_kv(warn, "unknown option", k, kn, v, vn);
		else if (!v)
			warn_kv(warn, "option needs a value:", k, kn, NULL, 0);
		else if (set(o, d, v, vn))
			warn_kv(warn, "bad value for option", k, kn, v, vn);
	}
}

static void print_signal(struct nsp_out *out, int sig)
{
	char name[NSP_SIGNAME_MAX];

	nsp_out_str(out, sig ? nsp_sig_name(sig, name) : "0");
}

static void print_sigset(struct nsp_out *out, uint64_t set)
{
	const char *sep = "";

	if (!set)
		nsp_out_str(out, "none");
	for (int sig = 1; sig <= NSP_SIG_MAX; sig++) {
		if (set & NSP_SIGBIT(sig)) {
			nsp_out_str(out, sep);
			print_signal(out, sig);
			sep = "+";
		}
	}
}

/* The value of one entry as text, in tmp's buffer (never flushed: fd -1);
 * "" for an unset string. */
static const char *value_str(const struct opt *d, const struct nsp_options *o,
			     struct nsp_out *tmp)
{
	const char *field = (const char *)o + d->off;

	if (d->kind == OPT_STR)
		return field;
	nsp_out_init(tmp, -1);
	if (d->kind == OPT_FORMAT)
		nsp_out_str(tmp, *(const int *)field ? "json" : "text");
	else if (d->kind == OPT_SIGSET)
		print_sigset(tmp, *(const uint64_t *)(const void *)field);
	else if (d->kind == OPT_SIGNAL)
		print_signal(tmp, *(const int *)field);
	else if (d->kind == OPT_KEY)
		nsp_out_hex(tmp, *(const uint64_t *)(const void *)field);
	else
		nsp_out_i64(tmp, *(const int *)field);
	nsp_out_mem(tmp, "", 1);
	return tmp->buf;
}

void nsp_options_print(int fd, const struct nsp_options *o)
{
	struct nsp_out out, tmp;

	nsp_out_init(&out, fd);
	nsp_out_str(&out, "namspill options (NAMSPILL_OPTIONS=key=value:key=value):\n");
	for (size_t i = 0; i < NSP_ARRAY_LEN(table); i++) {
		const struct opt *d = &table[i];
		const char *v = value_str(d, o, &tmp);
		nsp_out_str(&out, "  ");
		nsp_out_str(&out, d->name);
		nsp_out_str(&out, "=");
		nsp_out_str(&out, *v ? v : "(unset)");
		nsp_out_str(&out, "\n      ");
		nsp_out_str(&out, d->help);
		nsp_out_str(&out, "\n");
	}
	nsp_out_flush(&out);
}

static int append(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap - *len)
		return -ENOSPC;
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return 0;
}

int nsp_options_format(const struct nsp_options *o, char *buf, size_t cap)
{
	size_t len = 0;
	struct nsp_options defaults;
	struct nsp_out tmp, dtmp;

	if (!cap)
		return -ENOSPC;
	buf[0] = 0;
	nsp_options_defaults(&defaults);
	for (size_t i = 0; i < NSP_ARRAY_LEN(table); i++) {
		const struct opt *d = &table[i];
		const char *v = value_str(d, o, &tmp), *q = "";
		/* Only what differs from the default: every process parses
		 * this at start-up. */
		if (!*v || !strcmp(v, value_str(d, &defaults, &dtmp)))
			continue;
		if (strpbrk(v, ":, \n\t=\"'"))
			q = strchr(v, '"') ? "'" : "\"";
		if ((*q && strchr(v, *q)) || (len && append(buf, cap, &len, ":")) ||
		    append(buf, cap, &len, d->name) || append(buf, cap, &len, "=") ||
		    append(buf, cap, &len, q) || append(buf, cap, &len, v) ||
		    append(buf, cap, &len, q))
			return *q && strchr(v, *q) ? -EINVAL : -ENOSPC;
	}
	return 0;
}

NSP_STARTUP void nsp_env_scan(char *const *env, const char *const *names, const char **vals, int n)
{
	for (int i = 0; i < n; i++)
		vals[i] = NULL;
	for (; env && *env; env++) {
		for (int i = 0; i < n; i++) {
			if (**env != names[i][0])
				continue;
			const char *e = *env, *k = names[i];
			while (*k && *e == *k)
				e++, k++;
			if (!*k && *e == '=' && !vals[i]) {
				vals[i] = e + 1;
				break;
			}
		}
	}
}
