/* namspill ps [--json] [--stacks] PID...: the exit verdict, taken now on
 * running processes from /proc alone (no preload needed): the same reader
 * and majority as the shim's report.  Exit 1 if a thread is spilled, 0 if
 * every process is uniform, 2 on any error. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ARENA_SIZE ((size_t)64 << 20)

static void usage(FILE *f)
{
	fputs("usage: namspill ps [--json] [--stacks] PID...\n"
	      "       namspill ps [--json] [--all]\n"
	      "Lists the threads of each running process that are not in the namespace\n"
	      "most of its threads are in.  --json: one JSON document.  --stacks: also\n"
	      "ask a process that runs with the shim and report_signal for its report.\n"
	      "Without PIDs (or with --all): every process of the host whose threads are\n"
	      "not all in the same namespaces, one line each.\n"
	      "Exit: 1 if a thread is spilled, 0 if not, 2 on error.\n",
	      f);
}

static pid_t parse_pid(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v > 0 && v <= 0x3fffffff ? (pid_t)v : 0;
}

/* A zombie has ended: its parent has not collected its status yet, and
 * it has no threads or namespaces left to read. */
static int zombie(pid_t pid, uint64_t *ppid)
{
	char buf[4096];
	ssize_t n = nsp_proc_read(pid, "status", buf, sizeof(buf) - 1);
	const char *st;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	st = strstr(buf, "\nState:");
	if (nsp_status_num(buf, (size_t)n, "PPid", 10, ppid))
		*ppid = 0;
	return st && st[strspn(st + 7, " \t") + 7] == 'Z';
}

static void why_not(pid_t pid, int err)
{
	uint64_t ppid;

	if ((err == -ENOENT || err == -ESRCH) && zombie(pid, &ppid))
		cli_err("ps: %d is a zombie: it has ended, and its parent (pid %llu) has not "
			"reaped it yet; nothing is left to inspect", (int)pid,
			(unsigned long long)ppid);
	else if (err == -ENOENT || err == -ESRCH)
		cli_err("ps: no such process: %d", (int)pid);
	else if (err == -EACCES || err == -EPERM)
		cli_err("ps: %d: not allowed to read its namespaces (run as its user, or as root)",
			(int)pid);
	else
		cli_err("ps: %d: cannot read /proc/%d/task: %s", (int)pid, (int)pid, strerror(-err));
}

/* "PID (NAME)": a name is whatever the process set, escaped for the
 * terminal of whoever runs ps (root, often). */
static void who(FILE *f, pid_t pid, const char *comm)
{
	fprintf(f, "%d (", (int)pid);
	cli_put_safe(f, comm, strlen(comm), 0);
	fputc(')', f);
}

/* "net:[4026532180] (ip netns blue)": names escaped like the rest. */
void cli_ps_ns(FILE *f, const struct nsp_report *r, int type, uint64_t ino)
{
	const struct nsp_nsname *n = nsp_nsname_of(r->names, ino);
	struct jv num = { .t = J_NUM, .num = (double)ino };

	cli_print_nsid(f, nsp_ns_names[type], &num, n ? n->text : NULL);
}

/* The namespaces of r's spills that nothing names, named by the first
 * other process of the host that lives in them. */
void cli_ps_name(struct nsp_report *r, struct nsp_arena *a)
{
	struct cli_nswant w[64];
	size_t n;

	if (!r->names || !(n = cli_report_wants(r, w, 0, NSP_ARRAY_LEN(w))))
		return;
	cli_find_dwellers(w, n);
	cli_report_name(r, a, w, n);
}

static void text(FILE *f, const struct nsp_report *r)
{
	size_t threads = 0;

	for (size_t i = 0; i < r->nspills; i++)
		threads += i == 0 || r->spills[i].tid != r->spills[i - 1].tid;
	who(f, r->pid, r->comm);
	if (!r->nspills) {
		fprintf(f, ": %zu thread%s, all in the same namespaces\n", r->nthreads,
			r->nthreads == 1 ? "" : "s");
		return;
	}
	fprintf(f, ": %zu of %zu threads in a foreign namespace\n", threads, r->nthreads);
	for (size_t i = 0; i < r->nspills; i++) {
		const struct nsp_spill *s = &r->spills[i];
		int t = s->type;
		fputs("  thread ", f);
		who(f, s->tid, s->comm);
		fputs(": ", f);
		cli_ps_ns(f, r, t, s->ns.ino);
		fputs(", most threads in ", f);
		cli_ps_ns(f, r, t, r->verdict.majority[t].ino);
		fprintf(f, " (%zu of %zu)\n", r->verdict.count[t], r->nthreads);
	}
}

/* One process: 0 uniform, 1 spilled, 2 error. */
static int inspect(pid_t pid, int json, int first, FILE *out)
{
	struct nsp_arena a;
	struct nsp_report r;
	struct nsp_out o;
	int rc;

	if (nsp_arena_init(&a, ARENA_SIZE)) {
		cli_err("ps: out of memory");
		return CLI_PS_ERROR;
	}
	nsp_report_scan(&r, &a, pid, 0, NSP_TRIGGER_INSPECT, 0);
	cli_ps_name(&r, &a);
	rc = r.proc_err ? CLI_PS_ERROR : r.nspills ? CLI_PS_SPILL : 0;
	if (r.proc_err)
		why_not(pid, r.proc_err);
	if (json) {
		/* The report writer of the library: a spill here has no cause. */
		fputs(first ? "\n" : ",\n", out);
		fflush(out);
		nsp_out_init(&o, fileno(out));
		nsp_write_json(&o, &r, NULL);
		nsp_out_flush(&o);
	} else if (!r.proc_err) {
		text(out, &r);
	}
	nsp_arena_fini(&a);
	return rc;
}

/* A request report inside the JSON document: as it is if it is JSON
 * (format=json), else as a string. */
static void put_request(FILE *f, pid_t pid, const char *text, size_t len, int first)
{
	const char *err;
	struct jv *v = json_parse(text, len, &err);

	fprintf(f, "%s{\"pid\":%d,\"report\":", first ? "\n" : ",\n", (int)pid);
	if (v) {
		while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
			len--;
		fwrite(text, 1, len, f);
	} else {
		json_put_str(f, text);
	}
	fputc('}', f);
	json_free(v);
}

int cli_ps(int argc, char **argv)
{
	int json = 0, stacks = 0, all = 0, i, rc = 0, n = 0;
	char *req = NULL;
	size_t req_len = 0;
	FILE *requests = NULL;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--stacks"))
			stacks = 1;
		else if (!strcmp(argv[i], "--all"))
			all = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			cli_err("ps: unknown option %s", argv[i]);
			usage(stderr);
			return CLI_PS_ERROR;
		}
	}
	if (all || i >= argc) {
		if (i < argc || stacks) {
			cli_err("ps: %s", stacks ? "--stacks asks given processes: name them by pid" :
					   "--all takes no pid");
			usage(stderr);
			return CLI_PS_ERROR;
		}
		return cli_ps_all(json, stdout);
	}
	if (json) {
		fputs("{\"processes\":[", stdout);
		if (stacks)
			requests = open_memstream(&req, &req_len);
	}
	for (; i < argc; i++) {
		pid_t pid = parse_pid(argv[i]);
		int r;
		if (!pid) {
			cli_err("ps: '%s' is not a process id", argv[i]);
			rc = CLI_PS_ERROR;
			continue;
		}
		r = inspect(pid, json, n++ == 0, stdout);
		if (r != CLI_PS_ERROR && stacks) {
			char *text = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&text, &len);
			int bad = cli_request_stacks(pid, m);
			fclose(m);
			if (bad)
				r = CLI_PS_ERROR;
			else if (json)
				put_request(requests, pid, text, len, ftell(requests) == 0);
			else
				cli_put_safe(stdout, text, len, 1);
			free(text);
		}
		rc = rc == CLI_PS_ERROR || r == CLI_PS_ERROR ? CLI_PS_ERROR : rc | r;
	}
	if (json) {
		fputs("]", stdout);
		if (requests) {
			fclose(requests);
			printf(",\"requests\":[%.*s]", (int)req_len, req ? req : "");
			free(req);
		}
		fputs("}\n", stdout);
	}
	return rc;
}
