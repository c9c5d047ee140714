/* Per-call workloads: thread creation, namespace switches, and a thread
 * pool that mixes both with some work. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

static int home, away;

static void *nothing(void *arg)
{
	return arg;
}

static void create_one(long i)
{
	pthread_t t;

	(void)i;
	if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
		abort();
}

int bench_create(long n, char **argv)
{
	(void)argv;
	bench_per_op(create_one, n, 1);
	return 0;
}

static void round_trip(long i)
{
	(void)i;
	if (setns(away, CLONE_NEWUTS) || setns(home, CLONE_NEWUTS))
		abort();
}

int bench_setns(long n, char **argv)
{
	(void)argv;
	bench_uts_pair(&home, &away);
	bench_per_op(round_trip, n, 1);
	return 0;
}

/* The floor: what the round trip costs with one stack capture per call
 * and nothing else.  libunwind is loaded as the shim loads it (privately,
 * per-thread caches) and asked for as many frames (stack_depth 32 + 8). */
static int (*unw_bt)(void **, int);

static int load_unwind(void)
{
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	int (*policy)(void *, int);
	void **as;

	if (!h)
		return -1;
	policy = (int (*)(void *, int))dlsym(h, "_ULx86_64_set_caching_policy");
	as = (void **)dlsym(h, "_ULx86_64_local_addr_space");
	if (policy && as)
		policy(*as, 2 /* UNW_CACHE_PER_THREAD */);
	unw_bt = (int (*)(void **, int))dlsym(h, "unw_backtrace");
	return unw_bt ? 0 : -1;
}

__attribute__((noinline)) static int setns_and_capture(int fd)
{
	void *ip[40];
	int r = setns(fd, CLONE_NEWUTS);

	if (r == 0)
		unw_bt(ip, 40);
	return r;
}

static void floor_trip(long i)
{
	(void)i;
	if (setns_and_capture(away) || setns_and_capture(home))
		abort();
}

int bench_floor(long n, char **argv)
{
	(void)argv;
	if (load_unwind()) {
		fprintf(stderr, "skip: libunwind.so.8 not found\n");
		return BENCH_SKIP;
	}
	bench_uts_pair(&home, &away);
	bench_per_op(floor_trip, n, 1);
	return 0;
}

static void unshare_one(long i)
{
	(void)i;
	if (unshare(CLONE_NEWUTS))
		abort();
}

int bench_unshare(long n, char **argv)
{
	(void)argv;
	bench_uts_pair(&home, &away);
	bench_per_op(unshare_one, n, 1);
	return 0;
}

/* The pool: each round starts WORKERS threads that take tasks from a
 * shared counter; a task enters the other namespace, reads the host name
 * and checksums a buffer there, and comes back.  Every fourth task stays
 * home.  Rounds of POOL_ROUND tasks, so creation is part of the mix. */
#define POOL_ROUND 256

static _Atomic long next_task;
static long round_end;
static unsigned char buf[4096];

static void task(long i)
{
	char name[65];
	unsigned sum = 0;
	int move = i % 4 != 0;

	if (move && setns(away, CLONE_NEWUTS))
		abort();
	gethostname(name, sizeof(name));
	for (size_t k = 0; k < sizeof(buf); k++)
		sum += buf[k] ^ (unsigned char)name[k & 7];
	buf[i & 4095] = (unsigned char)sum;
	if (move && setns(home, CLONE_NEWUTS))
		abort();
}

static void *worker(void *arg)
{
	long i;

	(void)arg;
	while ((i = atomic_fetch_add(&next_task, 1)) < round_end)
		task(i);
	return NULL;
}

static int workers = 4;

static void pool_round(long r)
{
	pthread_t t[64];

	atomic_store(&next_task, r * POOL_ROUND);
	round_end = (r + 1) * POOL_ROUND;
	for (int w = 0; w < workers; w++)
		if (pthread_create(&t[w], NULL, worker, NULL))
			abort();
	for (int w = 0; w < workers; w++)
		pthread_join(t[w], NULL);
}

int bench_pool(long n, char **argv)
{
	if (argv[0])
		workers = atoi(argv[0]);
	if (workers < 1 || workers > 64)
		workers = 4;
	bench_uts_pair(&home, &away);
	bench_per_op(pool_round, n / POOL_ROUND, POOL_ROUND);
	return 0;
}
