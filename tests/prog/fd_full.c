/* A worker enters a net namespace and stays; then main takes every
 * descriptor its limit allows (RLIMIT_NOFILE lowered to 64, or argv[1])
 * and exits holding them: the exit report must still be written, and
 * the program's own last open must fail as it would without namspill. */
#include <sys/resource.h>

#include "common.h"

static int nsfd;

__attribute__((noinline)) static void leak_here(void)
{
	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
}

static void *leaker(void *p)
{
	(void)p;
	say_tid("leaker");
	leak_here();
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	int n = 0, fd;

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	start_threads(leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	say_tid("main");
	fflush(stdout);
	rl.rlim_cur = rl.rlim_max = (rlim_t)(argc > 1 ? atoi(argv[1]) : 64);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		abort();
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		n++;
	printf("full after %d more: %s\n", n, strerror(errno));
	fflush(stdout);
	return 0;
}
