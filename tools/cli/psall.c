/* namspill ps [--all] [--json]: every process of the host whose threads
 * are not all in the same namespaces, one line each.  What an operator
 * runs when production misbehaves, so it has to be quick on a host with
 * thousands of processes: a process with one thread cannot disagree with
 * itself, and the link count of /proc/PID/task (2 + its threads) says so
 * with one fstatat, no file read; only the others are scanned. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define ARENA ((size_t)64 << 20)
#define KEPT_MAX 4096   /* spilled processes kept to print, at most */
#define WANTS_MAX 8192  /* namespaces to name by a process, at most */
#define SHOWN_THREADS 8 /* threads named on a process's line */

struct kept {
	struct nsp_arena a;
	struct nsp_report r;
};

struct tally {
	size_t procs, single, threaded, unreadable, gone;
};

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Threads of pid from the link count of its task directory: 0 if it
 * cannot be told (gone, or not ours to look at). */
static long threads_of(int proc, const char *pid, struct tally *t)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/task", pid);
	if (fstatat(proc, path, &st, 0)) {
		if (errno == ENOENT || errno == ESRCH)
			t->gone++;
		else
			t->unreadable++;
		return 0;
	}
	return (long)st.st_nlink - 2;
}

/* One process, scanned into k: 1 if some thread is spilled, 0 if not,
 * -1 if it could not be read. */
static int scan_one(struct kept *k, pid_t pid, struct tally *t)
{
	k->a.used = 0;
	nsp_report_scan(&k->r, &k->a, pid, 0, NSP_TRIGGER_INSPECT, 0);
	if (k->r.proc_err) {
		if (k->r.proc_err == -ENOENT || k->r.proc_err == -ESRCH)
			t->gone++;
		else
			t->unreadable++;
		return -1;
	}
	t->threaded++;
	return k->r.nspills > 0;
}

/* "PID (COMM): N of M threads in a foreign namespace: thread T in
 *  net:[X] (name), uts:[Y]; thread U in ..." */
static void line(FILE *f, const struct nsp_report *r)
{
	size_t threads = 0, shown = 0;

	for (size_t i = 0; i < r->nspills; i++)
		threads += i == 0 || r->spills[i].tid != r->spills[i - 1].tid;
	fprintf(f, "%d (", (int)r->pid);
	cli_put_safe(f, r->comm, strlen(r->comm), 0);
	fprintf(f, "): %zu of %zu threads in a foreign namespace:", threads, r->nthreads);
	for (size_t i = 0; i < r->nspills; i++) {
		const struct nsp_spill *s = &r->spills[i];
		int first = i == 0 || s->tid != r->spills[i - 1].tid;
		if (first && shown++ == SHOWN_THREADS) {
			fprintf(f, "; and %zu more", threads - SHOWN_THREADS);
			break;
		}
		if (first && shown > SHOWN_THREADS)
			break;
		fprintf(f, first ? "%s thread %d in " : ", ", i ? ";" : "", (int)s->tid);
		cli_ps_ns(f, r, s->type, s->ns.dev == NAMSPILL_NS_PENDING ? 0 : s->ns.ino);
	}
	fputc('\n', f);
}

static void summary(const struct tally *t, size_t spilled, double secs)
{
	cli_err("%zu of %zu processes with threads have some in a foreign namespace "
		"(%zu processes in all, %zu single-threaded skipped, %zu not readable, %zu gone "
		"meanwhile; %.3f s)", spilled, t->threaded, t->procs, t->single, t->unreadable,
		t->gone, secs);
}

static void output(FILE *out, int json, struct kept **kept, size_t n, const struct tally *t,
		   double secs)
{
	struct nsp_out o;

	if (json) {
		fprintf(out, "{\"processes_scanned\":%zu,\"single_threaded\":%zu,\"threaded\":%zu,"
			"\"unreadable\":%zu,\"gone\":%zu,\"seconds\":%.3f,\"processes\":[",
			t->procs, t->single, t->threaded, t->unreadable, t->gone, secs);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n" : "\n", out);
			fflush(out);
			nsp_out_init(&o, fileno(out));
			nsp_write_json(&o, &kept[i]->r, NULL);
			nsp_out_flush(&o);
		}
		fputs("]}\n", out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		line(out, &kept[i]->r);
	fflush(out);
	summary(t, n, secs);
}

/* Names by the first other process in each namespace, in one more pass. */
static void name_all(struct kept **kept, size_t n)
{
	struct cli_nswant *w = cli_alloc(WANTS_MAX * sizeof(*w));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k = cli_report_wants(&kept[i]->r, w, k, WANTS_MAX);
	if (k)
		cli_find_dwellers(w, k);
	for (size_t i = 0; i < n; i++)
		cli_report_name(&kept[i]->r, &kept[i]->a, w, k);
	free(w);
}

int cli_ps_all(int json, FILE *out)
{
	struct tally t = { 0 };
	struct kept **kept = cli_alloc(KEPT_MAX * sizeof(*kept)), *k = NULL;
	int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	DIR *d = opendir("/proc");
	struct dirent *e;
	double start = now_s();
	size_t n = 0;

	if (proc < 0 || !d) {
		cli_err("ps: cannot read /proc: %s", strerror(errno));
		free(kept);
		return CLI_PS_ERROR;
	}
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		t.procs++;
		switch (threads_of(proc, e->d_name, &t)) {
		case 0:
			continue;
		case 1:
			t.single++;
			continue;
		}
		if (!k) {
			k = cli_alloc(sizeof(*k));
			if (nsp_arena_init(&k->a, ARENA)) {
				cli_err("ps: out of memory");
				break;
			}
		}
		if (scan_one(k, (pid_t)pid, &t) == 1 && n < KEPT_MAX) {
			kept[n++] = k; /* its arena is its own from now on */
			k = NULL;
		}
	}
	closedir(d);
	close(proc);
	name_all(kept, n);
	output(out, json, kept, n, &t, now_s() - start);
	for (size_t i = 0; i < n; i++) {
		nsp_arena_fini(&kept[i]->a);
		free(kept[i]);
	}
	if (k && k->a.base)
		nsp_arena_fini(&k->a);
	free(k);
	free(kept);
	return n ? CLI_PS_SPILL : 0;
}
