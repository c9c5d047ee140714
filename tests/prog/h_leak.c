/* The plainest spill, needing no /proc: one thread unshares uts and stays,
 * two bystanders.  argv[1]: exit status of main (default 0).  argv[2], if
 * given: a line main prints on stdout before returning. */
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

int main(int argc, char **argv)
{
	pthread_t t[3];

	need_namespaces();
	pthread_barrier_init(&ready, NULL, 4);
	/* Created here, not through start_threads(): tests check that the
	 * creation stack starts at main. */
	pthread_create(&t[0], NULL, leaker, NULL);
	pthread_create(&t[1], NULL, bystander, NULL);
	pthread_create(&t[2], NULL, bystander, NULL);
	pthread_barrier_wait(&ready);
	if (argc > 2)
		puts(argv[2]);
	return argc > 1 ? atoi(argv[1]) : 0;
}
