/* namspill ps --stacks: ask a running process for its report.  A process
 * started with NAMSPILL_OPTIONS=report_signal=SIG:log_path=P writes, on
 * that signal, a report with trigger "request" to P.<pid>.request<N>
 * (N = 1, 2, ... per process).  We read its options from
 * /proc/PID/environ, make sure the shim is loaded and has a handler for
 * the signal (sent blind, it could kill the process), send it, and wait
 * a bounded time for the new file. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define MAX_ENV ((size_t)4 << 20)
#define WAIT_MS 10000
#define POLL_MS 20

static const char setting[] = "NAMSPILL_OPTIONS=report_signal=SIGUSR2:log_path=/tmp/nsp";

/* From /proc/PID/NAME, NUL-terminated; NULL after saying why. */
static char *proc_file(pid_t pid, const char *name, size_t *len)
{
	char *buf = cli_alloc(MAX_ENV + 1);
	ssize_t n = nsp_proc_read(pid, name, buf, MAX_ENV);

	if (n < 0) {
		cli_err("ps --stacks: %d: cannot read /proc/%d/%s: %s", (int)pid, (int)pid, name,
			strerror((int)-n));
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

static const char *env_value(const char *env, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = env; p < env + len; p += strlen(p) + 1)
		if (!strncmp(p, name, n) && p[n] == '=')
			return p + n + 1;
	return NULL;
}

/* Is sig caught (SigCgt in /proc/PID/status)? */
static int caught(pid_t pid, int sig)
{
	size_t len;
	char *st = proc_file(pid, "status", &len), *p;
	unsigned long long mask = 0;

	p = st ? strstr(st, "\nSigCgt:") : NULL;
	if (p)
		mask = strtoull(p + 8, NULL, 16);
	free(st);
	return (mask >> (sig - 1)) & 1;
}

/* The directory and file-name prefix of the request reports, seen from
 * here: through /proc/PID/root or /proc/PID/cwd, so another mount
 * namespace or a relative log_path still resolves. */
static void request_prefix(pid_t pid, const char *log_path, char *dir, size_t dcap,
			   char *prefix, size_t pcap)
{
	const char *slash = strrchr(log_path, '/');
	const char *base = slash ? slash + 1 : log_path;
	int dn = slash ? (int)(slash - log_path) : 0;

	if (log_path[0] == '/')
		snprintf(dir, dcap, "/proc/%d/root%.*s", (int)pid, dn, log_path);
	else
		snprintf(dir, dcap, "/proc/%d/cwd/%.*s", (int)pid, dn, log_path);
	snprintf(prefix, pcap, "%s.%d.request", base, (int)pid);
}

/* The highest N of DIR/PREFIX<N>, 0 if none. */
static long last_request(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = strlen(prefix);
	long best = 0;

	while (d && (e = readdir(d))) {
		char *end;
		long v;
		if (strncmp(e->d_name, prefix, n))
			continue;
		v = strtol(e->d_name + n, &end, 10);
		if (!*end && v > best)
			best = v;
	}
	if (d)
		closedir(d);
	return best;
}

static int wait_request(pid_t pid, const char *dir, const char *prefix, long before, FILE *out)
{
	struct timespec step = { 0, POLL_MS * 1000000L };
	char path[CLI_PATH + NSP_MAX_PATH + 64];
	size_t len;
	char *text;
	long n;

	for (int waited = 0; waited < WAIT_MS; waited += POLL_MS) {
		if ((n = last_request(dir, prefix)) > before) {
			snprintf(path, sizeof(path), "%s/%s%ld", dir, prefix, n);
			if (!(text = cli_slurp(path, &len)))
				break;
			fwrite(text, 1, len, out);
			free(text);
			return 0;
		}
		if (!cli_alive(pid)) {
			cli_err("ps --stacks: %d ended before writing its report", (int)pid);
			return -1;
		}
		nanosleep(&step, NULL);
	}
	cli_err("ps --stacks: no report from %d within %d s (looked for %s/%s%ld)", (int)pid,
		WAIT_MS / 1000, dir, prefix, before + 1);
	return -1;
}

/* What stops a request, in words; NULL if nothing does.  The process's
 * options are read with the library's own parser. */
static const char *missing(pid_t pid, const char *env, struct nsp_options *o)
{
	size_t len;
	char *maps = proc_file(pid, "maps", &len);
	int shim = maps && strstr(maps, "/libnamspill.so");

	free(maps);
	nsp_options_defaults(o);
	nsp_options_parse(o, env, NULL);
	if (!shim)
		return "does not run with libnamspill";
	if (!o->report_signal)
		return "has no report_signal in its NAMSPILL_OPTIONS";
	if (!o->log_path[0] || !strcmp(o->log_path, "stderr") || !strcmp(o->log_path, "stdout"))
		return "writes its reports to stderr, not to a log_path file";
	return NULL;
}

int cli_request_stacks(pid_t pid, FILE *out)
{
	char dir[CLI_PATH], prefix[NSP_MAX_PATH + 32], name[NSP_SIGNAME_MAX];
	struct nsp_options o;
	size_t len;
	char *env = proc_file(pid, "environ", &len);
	const char *why;
	long before;

	if (!env)
		return -1;
	why = missing(pid, env_value(env, len, "NAMSPILL_OPTIONS"), &o);
	free(env);
	if (why) {
		cli_err("ps --stacks: %d %s; start it with LD_PRELOAD=libnamspill.so and %s "
			"(report_signal: any signal the program leaves alone; log_path: where "
			"report files go)", (int)pid, why, setting);
		return -1;
	}
	if (!caught(pid, o.report_signal)) {
		cli_err("ps --stacks: %d has no handler for %s yet; not sending it, it could end "
			"the process", (int)pid, nsp_sig_name(o.report_signal, name));
		return -1;
	}
	request_prefix(pid, o.log_path, dir, sizeof(dir), prefix, sizeof(prefix));
	before = last_request(dir, prefix);
	if (kill(pid, o.report_signal)) {
		cli_err("ps --stacks: cannot signal %d: %s", (int)pid, strerror(errno));
		return -1;
	}
	return wait_request(pid, dir, prefix, before, out);
}
