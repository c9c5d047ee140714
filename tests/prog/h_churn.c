/* Threads by the million: usage h_churn TOTAL.  Batches of BATCH threads
 * are created and joined until TOTAL have run.  Every fourth thread enters
 * namespace A and goes home (two events), every eighth creates a thread of
 * its own while in A (an inherited cause that holds its creator's record),
 * half end by pthread_exit, half by return.  Prints "rss BEFORE AFTER" (kB)
 * after the first tenth and at the end, so a leak in the shim shows as
 * growth, and "alive N": at most N threads ever ran at once.  With
 * NAMSPILL_OPTIONS=verbosity=2 the shim adds its pool high-water marks. */
#include "common.h"

#define BATCH 64

static int net_a, home_net;
static pthread_attr_t small;

static long rss_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void *grandchild(void *p)
{
	if ((long)p & 1)
		pthread_exit(NULL);
	return NULL;
}

static void *worker(void *p)
{
	long i = (long)p;
	pthread_t g;

	if (i % 4 == 0) {
		if (setns(net_a, CLONE_NEWNET) != 0)
			abort();
		if (i % 8 == 0 && pthread_create(&g, &small, grandchild, p) == 0)
			pthread_join(g, NULL);
		if (setns(home_net, CLONE_NEWNET) != 0)
			abort();
	}
	if (i & 1)
		pthread_exit(NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	long total = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000, early = -1;
	pthread_t t[BATCH];

	need_namespaces();
	home_net = open_ns("net");
	net_a = make_ns(CLONE_NEWNET, "net");
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 64 << 10);
	for (long done = 0; done < total; done += BATCH) {
		if (early < 0 && done >= total / 10)
			early = rss_kb();
		for (long k = 0; k < BATCH; k++)
			if (pthread_create(&t[k], &small, worker, (void *)(done + k)) != 0)
				abort();
		for (long k = 0; k < BATCH; k++)
			pthread_join(t[k], NULL);
	}
	printf("alive %d\nrss %ld %ld\n", 1 + 2 * BATCH, early, rss_kb());
	return 0;
}
