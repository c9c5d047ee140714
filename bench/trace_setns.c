/* The setns round trip (enter a net namespace and come back) N times on
 * one thread; prints nanoseconds per round trip.  Run natively, with the
 * preload, under namspill-trace and under strace to compare. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), away;
	struct timespec a, b;

	if (home < 0 || unshare(CLONE_NEWNET) != 0) {
		fprintf(stderr, "skip: needs root for a net namespace\n");
		return 77;
	}
	away = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (away < 0 || setns(home, CLONE_NEWNET) != 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		if (setns(away, CLONE_NEWNET) != 0 || setns(home, CLONE_NEWNET) != 0)
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.0f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
