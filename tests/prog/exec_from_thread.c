/* An exec that ends the process's other threads:
 *   exec_from_thread enter PROG...  a worker enters a uts namespace of its
 *                                   own and execs PROG there (the "run a
 *                                   command in a namespace" pattern): no
 *                                   spill, the new image is all there
 *   exec_from_thread leave PROG...  a worker stays in a uts namespace of
 *                                   its own ("tid leaker N") and the main
 *                                   thread execs PROG: that worker was
 *                                   spilled until the exec ended it
 *   exec_from_thread missing PROG...  as leave, but the main thread first
 *                                   execs a program that is not there
 *                                   (that exec fails, nothing ends)
 *   exec_from_thread moved-missing  the main thread enters a uts namespace
 *                                   of its own, execs a program that is
 *                                   not there, then starts a worker that
 *                                   enters another ("tid leaker N"),
 *                                   prints "ready" and waits to be killed */
#include "common.h"

static char **prog;

static void *enter_and_exec(void *unused)
{
	(void)unused;
	pthread_barrier_wait(&ready);
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	execv(prog[0], prog);
	_exit(127);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	need_namespaces();
	prog = argv + 2;
	if (!strcmp(argv[1], "moved-missing")) {
		char *none[] = { "/nonexistent/namspill-test-program", NULL };
		if (unshare(CLONE_NEWUTS) != 0)
			abort();
		execv(none[0], none);
		start_threads(uts_leaker);
		pthread_barrier_wait(&ready);
		printf("ready\n");
		fflush(stdout);
		return park() != NULL;
	}
	if (!strcmp(argv[1], "enter")) {
		start_threads(bystander, bystander, enter_and_exec);
		pthread_barrier_wait(&ready);
		return park() != NULL;
	}
	start_threads(bystander, bystander, uts_leaker);
	pthread_barrier_wait(&ready);
	if (!strcmp(argv[1], "missing")) {
		char *none[] = { "/nonexistent/namspill-test-program", NULL };
		execv(none[0], none);
	}
	execv(prog[0], prog);
	return 127;
}
