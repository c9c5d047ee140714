/* Workloads about the end of a process and about memory: the exit report
 * with many live threads, and threads that come and go by the million. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int home, away;
static long rounds; /* round trips a spilled thread makes before it stays away */
static _Atomic long ready;
static int64_t exit_start, exit_cpu;

/* Frames that stay on the stack (no tail call) under the setns. */
__attribute__((noinline)) static int descend(long depth)
{
	volatile int r;

	if (depth > 0)
		r = descend(depth - 1);
	else
		r = setns(away, CLONE_NEWUTS);
	return r;
}

static void *idle(void *arg)
{
	long depth = (long)arg;

	for (long i = 0; depth >= 0 && i < rounds; i++)
		if (setns(away, CLONE_NEWUTS) || setns(home, CLONE_NEWUTS))
			abort();
	if (depth >= 0 && descend(depth))
		abort();
	atomic_fetch_add(&ready, 1);
	for (;;)
		pause();
	return NULL;
}

/* CPU time of the whole process and of its children that have ended: the
 * report's helper threads and its symbolizer process included. */
static int64_t process_cpu(void)
{
	struct timespec t;
	struct rusage ru;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	getrusage(RUSAGE_CHILDREN, &ru);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec +
	       ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* atexit handlers run after the shim's exit report, so the time since
 * main returned is what the report cost: wall time, and CPU time. */
static void at_exit(void)
{
	bench_put("report_s", (double)(bench_now() - exit_start) / 1e9);
	bench_put("report_cpu_s", (double)(process_cpu() - exit_cpu) / 1e9);
}

int bench_report(long threads, char **argv)
{
	long spilled = argv[0] ? atol(argv[0]) : 0;
	long depth = argv[0] && argv[1] ? atol(argv[1]) : 0;
	long every = spilled > 0 ? threads / spilled : 0;

	rounds = argv[0] && argv[1] && argv[2] ? atol(argv[2]) : 0;
	struct timespec ms = {0, 1000000};
	pthread_attr_t attr;
	pthread_t t;

	if (spilled > 0)
		bench_uts_pair(&home, &away);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (long i = 0; i < threads; i++) {
		long d = every && i % every == 0 && i / every < spilled ? depth : -1;
		if (pthread_create(&t, &attr, idle, (void *)d)) {
			perror("pthread_create");
			return 1;
		}
	}
	while (atomic_load(&ready) < threads)
		nanosleep(&ms, NULL);
	bench_put("rss_kb", (double)bench_rss_kb());
	atexit(at_exit);
	exit_cpu = process_cpu();
	exit_start = bench_now();
	return 0;
}

/* A third of the churning threads end in the other namespace. */
static void *brief(void *arg)
{
	long i = (long)arg;

	if (setns(away, CLONE_NEWUTS) || (i % 3 && setns(home, CLONE_NEWUTS)))
		abort();
	return NULL;
}

int bench_churn(long n, char **argv)
{
	int at_once = argv[0] ? atoi(argv[0]) : 16;
	long next_mark = 1000;
	pthread_t t[256];
	pthread_attr_t attr;
	int64_t t0;

	if (at_once < 1 || at_once > 256)
		at_once = 16;
	bench_uts_pair(&home, &away);
	/* Small stacks stay in glibc's stack cache: the churn is of threads,
	 * not of mappings. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	t0 = bench_now();
	for (long done = 0; done < n;) {
		int k = 0;
		for (; k < at_once && done + k < n; k++)
			if (pthread_create(&t[k], &attr, brief, (void *)(done + k)))
				abort();
		for (int j = 0; j < k; j++)
			pthread_join(t[j], NULL);
		done += k;
		if (done >= next_mark || done == n) {
			dprintf(1, "rss_kb@%ld %ld\n", done, bench_rss_kb());
			while (next_mark <= done)
				next_mark *= 10;
		}
	}
	bench_put("ns_per_op", (double)(bench_now() - t0) / (double)n);
	return 0;
}
