/* One worker unshares a uts namespace and stays; another unshares and goes
 * home (not a spill); two bystanders. */
#include "common.h"


__attribute__((noinline)) static void isolate_hostname(void)
{
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
}

static void *leaker(void *p)
{
	(void)p;
	say_tid("leaker");
	isolate_hostname();
	pthread_barrier_wait(&ready);
	return park();
}

static void *tidy(void *p)
{
	int home = open_ns("uts");
	(void)p;
	say_tid("tidy");
	isolate_hostname();
	if (setns(home, CLONE_NEWUTS) != 0)
		abort();
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	need_namespaces();
	start_threads(leaker, tidy, bystander, bystander);
	pthread_barrier_wait(&ready);
	return 0;
}
