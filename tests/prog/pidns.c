/* unshare(CLONE_NEWPID) leaves pid_for_children without a name until the
 * thread makes a first process: such a thread is still judged.
 *   pidns worker   a worker unshares pid and net and stays: "tid leaker N"
 *   pidns main     main unshares pid alone, two bystanders stay home */
#include "common.h"

static void *leaker(void *p)
{
	(void)p;
	if (unshare(CLONE_NEWPID | CLONE_NEWNET) != 0) {
		fprintf(stderr, "skip: cannot unshare pid and net (%s)\n", strerror(errno));
		exit(SKIP);
	}
	say_tid("leaker");
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	int on_main = argc > 1 && !strcmp(argv[1], "main");

	need_namespaces();
	if (on_main) {
		start_threads(bystander, bystander);
		if (unshare(CLONE_NEWPID) != 0) {
			fprintf(stderr, "skip: cannot unshare pid (%s)\n", strerror(errno));
			return SKIP;
		}
	} else {
		start_threads(leaker, bystander);
	}
	say_tid("main");
	pthread_barrier_wait(&ready);
	return 0;
}
