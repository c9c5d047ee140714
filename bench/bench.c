/* nsp-bench WORKLOAD N [ARGS]: one workload, timed from inside the process
 * so start-up and exit do not blur per-call figures. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define BATCHES 7

int64_t bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int64_t bench_cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

long bench_rss_kb(void)
{
	char buf[256];
	long pages = 0, rss = 0;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%ld %ld", &pages, &rss) != 2)
		return -1;
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* dprintf, not stdio buffers: lines must be out before exit_group when
 * the shim's report or a tracer is in the way. */
void bench_put(const char *key, double v)
{
	dprintf(1, "%s %.6g\n", key, v);
}

static void skip(const char *why)
{
	fprintf(stderr, "skip: %s (%s)\n", why, strerror(errno));
	exit(BENCH_SKIP);
}

void bench_uts_pair(int *home, int *away)
{
	*home = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (*home < 0)
		skip("cannot open /proc/thread-self/ns/uts");
	if (unshare(CLONE_NEWUTS) != 0) {
		/* Unprivileged: own a user namespace and make both uts
		 * namespaces inside it (the original one would refuse us). */
		if (unshare(CLONE_NEWUSER) != 0 || unshare(CLONE_NEWUTS) != 0)
			skip("needs root or unprivileged user namespaces for a uts namespace");
		close(*home);
		*home = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
		if (*home < 0 || unshare(CLONE_NEWUTS) != 0)
			skip("cannot make a second uts namespace");
	}
	*away = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (*away < 0 || setns(*home, CLONE_NEWUTS) != 0)
		skip("cannot switch back to the first uts namespace");
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void bench_per_op(void (*op)(long i), long n, int units)
{
	int64_t t[BATCHES], c[BATCHES];
	long per = n / BATCHES > 0 ? n / BATCHES : 1;

	for (long i = 0; i < per / 4 + 1; i++)
		op(i);
	for (int b = 0; b < BATCHES; b++) {
		int64_t t0 = bench_now(), c0 = bench_cpu();
		for (long i = 0; i < per; i++)
			op(i);
		t[b] = bench_now() - t0;
		c[b] = bench_cpu() - c0;
	}
	qsort(t, BATCHES, sizeof(t[0]), cmp_i64);
	qsort(c, BATCHES, sizeof(c[0]), cmp_i64);
	bench_put("ns_per_op", (double)t[BATCHES / 2] / ((double)per * units));
	/* CPU time of this thread: what the calls cost it, waits for a
	 * CPU on a busy machine left out. */
	bench_put("cpu_ns_per_op", (double)c[BATCHES / 2] / ((double)per * units));
	/* Operations run, warm-up included: instruction counts per op come
	 * from two runs of different sizes. */
	bench_put("ops", (double)(per / 4 + 1 + BATCHES * per) * units);
}

static const struct {
	const char *name;
	int (*run)(long n, char **argv);
	const char *usage;
} workloads[] = {
	{"create", bench_create, "N: pthread_create + pthread_join"},
	{"setns", bench_setns, "N: setns round trip between two uts namespaces"},
	{"floor", bench_floor, "N: the setns round trip plus one bare unw_backtrace per call"},
	{"unshare", bench_unshare, "N: unshare(CLONE_NEWUTS)"},
	{"pool", bench_pool, "N [WORKERS]: tasks of a thread pool whose workers switch namespaces"},
	{"report", bench_report, "THREADS [SPILLED [DEPTH [ROUNDS]]]: live threads at exit, time of the exit report and RSS; each spilled thread first makes ROUNDS setns round trips"},
	{"churn", bench_churn, "N [AT_ONCE]: threads that come and go, RSS along the way"},
};

int main(int argc, char **argv)
{
	size_t nw = sizeof(workloads) / sizeof(workloads[0]);

	if (argc >= 3)
		for (size_t i = 0; i < nw; i++)
			if (!strcmp(argv[1], workloads[i].name))
				return workloads[i].run(atol(argv[2]), argv + 3);
	fprintf(stderr, "usage: nsp-bench WORKLOAD N [ARGS]\n");
	for (size_t i = 0; i < nw; i++)
		fprintf(stderr, "  %-8s %s\n", workloads[i].name, workloads[i].usage);
	return 2;
}
