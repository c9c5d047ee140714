/* Command-line options of `namspill [OPTIONS] [--] COMMAND [ARGS...]`.
 * Options come before the command; the first other word starts it. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fputs("usage: namspill [OPTIONS] [--] COMMAND [ARGS...]\n"
	      "       namspill ps [--json] [--stacks] PID...\n"
	      "       namspill ps [--json] [--all]      (every process of the host)\n"
	      "\n"
	      "Runs COMMAND and every process it starts, with libnamspill preloaded and\n"
	      "every process watched at its end (static and Go programs too), then reports\n"
	      "threads left in a namespace the rest of their process is not in, grouped by\n"
	      "the call that moved them.\n"
	      "\n"
	      "  --json FILE          all reports as one JSON document\n"
	      "  --junit FILE         JUnit XML, one test case per process\n"
	      "  --keep-logs DIR      copy each process's report into DIR\n"
	      "  --sarif FILE         the spills as SARIF 2.1.0 (code scanning)\n"
	      "  --annotate github|none\n"
	      "                       GitHub workflow commands (::error file=,line=) on stdout,\n"
	      "                       one per spill group; default: github when\n"
	      "                       GITHUB_ACTIONS=true\n"
	      "  --options STR        NAMSPILL_OPTIONS entries for the processes (key=value:...)\n"
	      "  --suppressions FILE  spills not to fail on (spill:GLOB, module:GLOB lines)\n"
	      "  --exitcode N         exit status when a spill is found (default 66)\n"
	      "  --trace              run COMMAND under the ptrace tracer instead\n"
	      "  --no-watch           the preload alone: processes write report files (static\n"
	      "                       and Go programs below the command are not seen)\n"
	      "  -q, --quiet          print only spills and errors\n"
	      "  -h, --help           this text\n"
	      "      --version        namspill's version\n"
	      "\n"
	      "Exit status: COMMAND's own if it failed (128+N if signal N killed it); else\n"
	      "the --exitcode value if any process left a thread in a foreign namespace;\n"
	      "else 0.  125: namspill itself failed; 126/127: COMMAND cannot be run.\n"
	      "`namspill ps` exits 1 if a process has spilled threads, 2 on error.\n"
	      "See namspill(1) and libnamspill(7).\n",
	      f);
}

/* "--name VALUE" or "--name=VALUE"; NULL if argv[*i] is not --name. */
static const char *value_of(const char *name, int argc, char **argv, int *i, int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int exitcode_of(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 255)
		return -1;
	*out = (int)v;
	return 0;
}

int cli_parse_args(struct cli *c, int argc, char **argv)
{
	int i, missing = 0;
	const char *v;

	c->exitcode = 66;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("namspill %s\n", NAMSPILL_VERSION);
			return 0;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			c->quiet = 1;
		} else if (!strcmp(a, "--trace")) {
			c->trace = 1;
		} else if (!strcmp(a, "--no-watch")) {
			c->no_watch = 1;
		} else if ((v = value_of("--json", argc, argv, &i, &missing))) {
			c->json = v;
		} else if ((v = value_of("--junit", argc, argv, &i, &missing))) {
			c->junit = v;
		} else if ((v = value_of("--sarif", argc, argv, &i, &missing))) {
			c->sarif = v;
		} else if ((v = value_of("--annotate", argc, argv, &i, &missing))) {
			if (strcmp(v, "github") && strcmp(v, "none")) {
				cli_err("--annotate wants github or none, not '%s'", v);
				return CLI_FAILED;
			}
			c->annotate = strcmp(v, "github") ? CLI_ANNOTATE_NONE : CLI_ANNOTATE_GITHUB;
		} else if ((v = value_of("--keep-logs", argc, argv, &i, &missing))) {
			c->keep_logs = v;
		} else if ((v = value_of("--options", argc, argv, &i, &missing))) {
			c->options = v;
		} else if ((v = value_of("--suppressions", argc, argv, &i, &missing))) {
			c->suppressions = v;
		} else if ((v = value_of("--exitcode", argc, argv, &i, &missing))) {
			if (exitcode_of(v, &c->exitcode)) {
				cli_err("--exitcode wants a number from 0 to 255, not '%s'", v);
				return CLI_FAILED;
			}
		} else {
			if (missing)
				cli_err("%s needs a value", a);
			else
				cli_err("unknown option %s (see namspill --help)", a);
			return CLI_FAILED;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_FAILED;
	}
	c->cmd = argv + i;
	return -1;
}
