/* namspill-trace [--options STR] [--] COMMAND [ARGS...]
 *
 * Runs COMMAND and every process it starts under the tracer; reports go
 * where NAMSPILL_OPTIONS (then --options) say, as in the preload mode.
 * Exit status: the command's own (killed by a signal: the same signal),
 * the exitcode option when it exited 0 with spills, 69 when tracing is
 * not permitted here, 125 on other failures of the tracer itself, 126/127
 * when the command cannot be run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/proc.h"
#include "report/supp.h"
#include "trace.h"

struct nsp_options trace_opt;
struct nsp_supp trace_rules;

static void warn(const char *msg, const char *key, const char *val)
{
	fprintf(stderr, "namspill-trace: warning: %s '%s%s%s' (ignored)\n", msg, key,
		val ? "=" : "", val ? val : "");
}

static void usage(FILE *f)
{
	fputs("usage: namspill-trace [--options STR] [--] COMMAND [ARGS...]\n"
	      "Runs COMMAND under ptrace (stopping only at setns, unshare and exit_group)\n"
	      "and reports threads left in another namespace, also in static and Go\n"
	      "programs.  Options as in NAMSPILL_OPTIONS (see NAMSPILL_OPTIONS=help=1).\n"
	      "Exit: the command's status; 69 if ptrace/seccomp is not permitted here.\n",
	      f);
}

/* Signals sent to us with kill() are meant for the command; those from
 * the terminal reached the command already (same process group). */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si->si_code <= 0 && trace_root() > 0)
		kill(trace_root(), sig);
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	/* One we were started ignoring (nohup's SIGHUP, a script's background
	 * job's SIGINT) stays ignored, here and in the command, as without
	 * us: nothing to forward. */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction was;
		if (sigaction(sigs[i], NULL, &was) == 0 && was.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* Die the way the command died, without a core of our own. */
static int pass_status(int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit no = { 0, 0 };
		sigset_t set;
		setrlimit(RLIMIT_CORE, &no);
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		return 128 + sig;
	}
	return WEXITSTATUS(status);
}

static int proc_foreign(void)
{
	pid_t p, t;

	int r = nsp_proc_self_numbers(&p, &t);

	return r == 1 || r == -ENOENT; /* another pid namespace's, ours not in it, or none */
}

int main(int argc, char **argv)
{
	int i = 1, why = 0, status;

	nsp_options_defaults(&trace_opt);
	nsp_options_parse(&trace_opt, getenv("NAMSPILL_OPTIONS"), warn);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--options") && i + 1 < argc) {
			nsp_options_parse(&trace_opt, argv[++i], warn);
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			puts("namspill-trace " NAMSPILL_VERSION);
			return 0;
		} else {
			fprintf(stderr, "namspill-trace: unknown option %s\n", argv[i]);
			usage(stderr);
			return NSP_TRACE_FAILED;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return NSP_TRACE_FAILED;
	}
	/* ptrace gives this pid namespace's numbers, and /proc is read by
	 * them: a /proc of another namespace would be other processes. */
	if (proc_foreign()) {
		fprintf(stderr, "namspill-trace: /proc here does not show our processes by the numbers "
				"we know them by (it is another pid namespace's, or there is none): "
				"nothing could be judged (mount a /proc of this namespace, unshare --pid "
				"--fork --mount-proc, or trace from outside it)\n");
		return NSP_TRACE_FAILED;
	}
	if (trace_opt.help)
		nsp_options_print(2, &trace_opt);
	nsp_supp_load(&trace_rules, trace_opt.suppressions);
	catch_signals();
	status = trace_run(argv + i, &why);
	return status < 0 ? why : pass_status(status);
}
