/* What the processes of the tree left in the report directory: r.<pid>
 * (the report, JSON) or, when none replaced it, a start marker: the
 * process ran with the shim and wrote no report.  r.<pid>.start: it never
 * started a thread, so none of its threads can be spilled (shells end
 * with _exit() like this); r.<pid>.threads: it did, and was not judged. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/suppress.h"
#include "cli.h"

static struct proc *proc_of(struct procs *ps, pid_t pid, const uint64_t who[2], unsigned later,
			    size_t *cap)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].pid == pid && ps->p[i].pidns == who[0] && ps->p[i].pidid == who[1] &&
		    ps->p[i].later == later)
			return &ps->p[i];
	if (ps->n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		ps->p = realloc(ps->p, *cap * sizeof(*ps->p));
		if (!ps->p)
			abort();
	}
	memset(&ps->p[ps->n], 0, sizeof(ps->p[0]));
	ps->p[ps->n].pid = pid;
	ps->p[ps->n].pidns = who[0];
	ps->p[ps->n].pidid = who[1];
	ps->p[ps->n].later = later;
	return &ps->p[ps->n++];
}

enum { REPORT, MARK_START, MARK_THREADS };

uint64_t cli_own_pidns(void)
{
	static uint64_t ino;
	struct stat st;

	if (!ino && !stat("/proc/self/ns/pid", &st))
		ino = (uint64_t)st.st_ino;
	return ino;
}

/* "r.123" -> 123 (report), "r.123.start", "r.123.threads" -> 123
 * (markers); "r.123-NS-ID..." the same for pid 123 of pid namespace NS,
 * the process ID (who[0], who[1]; who[0] 0 for namspill's own, whose
 * numbers are ours; see nsp_log_name); "r.123.K", "r.123.K.start",
 * "r.123.K.threads": the files of a later process that had pid 123 too
 * (*later: K); 0 for anything else. */
static pid_t name_pid(const char *name, int *kind, uint64_t who[2], unsigned *later)
{
	char *end;
	long v;

	who[0] = who[1] = 0;
	*later = 0;
	if (strncmp(name, "r.", 2))
		return 0;
	v = strtol(name + 2, &end, 10);
	if (*end == '-') {
		char *at = end + 1;
		who[0] = strtoull(at, &end, 10);
		if (end == at || *end != '-' || !who[0])
			return 0;
		at = end + 1;
		who[1] = strtoull(at, &end, 10);
		if (end == at || !who[1])
			return 0;
		if (who[0] == cli_own_pidns())
			who[0] = 0;
	}
	if (end[0] == '.' && end[1] >= '1' && end[1] <= '9') {
		unsigned long k = strtoul(end + 1, &end, 10);
		if (k > NSP_LOG_LATER_MAX) /* the library goes no further */
			return 0;
		*later = (unsigned)k;
	}
	*kind = !strcmp(end, ".start") ? MARK_START : !strcmp(end, ".threads") ? MARK_THREADS : REPORT;
	return v > 0 && (!*end || *kind != REPORT) ? (pid_t)v : 0;
}

/* Shell-like, so a line can be pasted back: quotes only where needed. */
static char *join(const struct jv *argv)
{
	size_t cap = 1;
	char *s, *o;

	for (size_t i = 0; argv && i < argv->n; i++)
		cap += 4 * strlen(argv->v[i].t == J_STR ? argv->v[i].str : "") + 3;
	o = s = cli_alloc(cap);
	for (size_t i = 0; argv && i < argv->n; i++) {
		const char *a = argv->v[i].t == J_STR ? argv->v[i].str : "";
		int plain = *a && !a[strcspn(a, " \t\n'\"\\$`!*?[]{}();&|<>#~")];
		if (i)
			*o++ = ' ';
		if (plain) {
			o = stpcpy(o, a);
			continue;
		}
		*o++ = '\'';
		for (; *a; a++)
			o = *a == '\'' ? stpcpy(o, "'\\''") : (*o = *a, o + 1);
		*o++ = '\'';
	}
	*o = 0;
	return s;
}

static void count_spills(struct proc *p)
{
	const struct jv *spills = json_get(p->rep, "spills");

	p->spills = p->suppressed = 0;
	for (size_t i = 0; spills && spills->t == J_ARR && i < spills->n; i++) {
		const struct jv *s = json_get(&spills->v[i], "suppressed");
		if (s && s->t == J_BOOL && s->b)
			p->suppressed++;
		else
			p->spills++;
	}
}

void cli_take_report(struct proc *p, char *raw, size_t len, const char *where)
{
	const char *err = NULL;

	p->raw = raw;
	p->rep = json_parse(raw, len, &err);
	if (!p->rep) {
		cli_err("warning: %s is not a whole JSON report (%s)", where, err);
		free(raw);
		p->raw = NULL;
		return;
	}
	p->argv = json_get(p->rep, "argv");
	p->cmdline = join(p->argv && p->argv->t == J_ARR ? p->argv : NULL);
	count_spills(p);
}

void cli_proc_argv(struct proc *p, const char *argv, size_t len)
{
	struct jv *a = cli_alloc(sizeof(*a));
	size_t n = 0;

	for (size_t i = 0; i < len; i += strlen(argv + i) + 1)
		n++;
	a->t = J_ARR;
	a->v = cli_alloc((n ? n : 1) * sizeof(*a->v));
	for (size_t i = 0; i < len; i += strlen(argv + i) + 1) {
		a->v[a->n].t = J_STR;
		a->v[a->n++].str = cli_strdup(argv + i);
	}
	json_free(p->mark);
	p->mark = a; /* owned there, as a start marker's argv would be */
	p->argv = a;
	free(p->cmdline);
	p->cmdline = join(a);
}

static int frames_match(const struct jv *stack, const struct nsp_supp *rules)
{
	for (size_t i = 0; stack && stack->t == J_ARR && i < stack->n; i++)
		if (nsp_supp_match(rules, NSP_SUPP_SPILL, json_str(&stack->v[i], "function")) ||
		    nsp_supp_match(rules, NSP_SUPP_MODULE, json_str(&stack->v[i], "module")))
			return 1;
	return 0;
}

void cli_suppress(struct proc *p, const struct nsp_supp *rules)
{
	const struct jv *spills = json_get(p->rep, "spills");

	if (!rules->n)
		return;
	for (size_t i = 0; spills && spills->t == J_ARR && i < spills->n; i++) {
		const struct jv *s = &spills->v[i];
		const struct jv *cause = json_get(s, "cause");
		const struct jv *st = cause && cause->t == J_OBJ ? json_get(cause, "stack") :
				      json_get(json_get(s, "creation"), "stack");
		struct jv *sup = (struct jv *)json_get(s, "suppressed");
		if (sup && frames_match(st, rules)) {
			sup->t = J_BOOL;
			sup->b = 1;
		}
	}
	count_spills(p);
	/* The report's own count says the same, and its text is written anew. */
	struct jv *n = (struct jv *)json_get(p->rep, "suppressed");
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	if (!p->suppressed)
		return;
	if (n && n->t == J_NUM)
		n->num = (double)p->suppressed;
	if ((f = open_memstream(&text, &len))) {
		json_write(f, p->rep);
		if (fclose(f) == 0) {
			free(p->raw);
			p->raw = text;
		}
	}
}

static void take_marker(struct proc *p, char *raw, size_t len, int kind)
{
	const char *err = NULL;

	p->threaded |= kind == MARK_THREADS;
	json_free(p->mark);
	p->mark = json_parse(raw, len, &err);
	free(raw);
	if (p->mark) {
		p->ppid = (pid_t)json_int(p->mark, "ppid", 0);
		p->forked = json_get(p->mark, "forked") && json_get(p->mark, "forked")->b;
	}
}

static int by_pid(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	if (x->pidns != y->pidns)
		return (x->pidns > y->pidns) - (x->pidns < y->pidns);
	if (x->pidid != y->pidid)
		return (x->pidid > y->pidid) - (x->pidid < y->pidid);
	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->later > y->later) - (x->later < y->later);
}

int cli_read_logs(const char *dir, struct procs *ps)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	memset(ps, 0, sizeof(*ps));
	if (!d) {
		cli_err("cannot read the report directory %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char path[CLI_PATH];
		int kind;
		uint64_t who[2];
		unsigned later;
		pid_t pid = name_pid(e->d_name, &kind, who, &later);
		struct proc *p;
		size_t len;
		char *raw;
		if (!pid)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!(raw = cli_slurp(path, &len)))
			continue;
		p = proc_of(ps, pid, who, later, &cap);
		if (kind != REPORT)
			take_marker(p, raw, len, kind);
		else
			cli_take_report(p, raw, len, path);
	}
	closedir(d);
	if (ps->n) /* no report at all: p is NULL, which qsort may not get */
		qsort(ps->p, ps->n, sizeof(ps->p[0]), by_pid);
	for (size_t i = 0; i < ps->n; i++) {
		struct proc *p = &ps->p[i];
		if (!p->rep) {
			p->argv = json_get(p->mark, "argv");
			p->cmdline = join(p->argv && p->argv->t == J_ARR ? p->argv : NULL);
		}
		if (!p->rep) {
			/* Another pid namespace's numbers are not ours to look up. */
			p->running = !p->pidns && cli_alive(p->pid);
			if (p->threaded || p->running)
				ps->no_report++;
			else
				ps->single++;
		} else if (json_str(p->rep, "error")) {
			ps->errors++;
		}
		ps->spills += p->spills;
		ps->suppressed += p->suppressed;
		ps->spilled_procs += p->spills > 0;
	}
	return 0;
}

const char *cli_why_unjudged(const struct proc *p)
{
	if (p->rep)
		return NULL;
	if (p->why)
		return p->why;
	if (p->running)
		return "still running when the command ended";
	if (p->threaded)
		return "started threads, then ended by _exit() or a signal that leaves no "
		       "report (SIGKILL), or exec'd a program the preload cannot reach (static "
		       "or setuid)";
	return NULL;
}

void cli_free_logs(struct procs *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		json_free(ps->p[i].rep);
		json_free(ps->p[i].mark);
		free(ps->p[i].raw);
		free(ps->p[i].cmdline);
		free(ps->p[i].why);
		free(ps->p[i].ended);
	}
	free(ps->p);
	memset(ps, 0, sizeof(*ps));
}

int cli_keep_logs(const struct procs *ps, int todir, const char *to)
{
	for (size_t i = 0; i < ps->n; i++) {
		const struct proc *p = &ps->p[i];
		char name[80];
		if (!p->raw)
			continue;
		if (p->pidid)
			snprintf(name, sizeof(name), "r.%d-%llu-%llu", (int)p->pid,
				 (unsigned long long)(p->pidns ? p->pidns : cli_own_pidns()),
				 (unsigned long long)p->pidid);
		else
			snprintf(name, sizeof(name), "r.%d", (int)p->pid);
		if (cli_put_file(todir, name, p->raw, strlen(p->raw))) {
			cli_err("--keep-logs: cannot write %s/%s: %s", to, name, strerror(errno));
			return -1;
		}
	}
	return 0;
}
