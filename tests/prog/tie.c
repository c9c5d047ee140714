/* A 1:1 tie: the main thread and one worker.  tie MODE:
 *   main-moves    the worker parks; main unshares its uts namespace in
 *                 main_moves() and returns
 *   worker-moves  the worker unshares in worker_moves() and parks; main
 *                 returns
 * Prints "tid main N" and "tid worker N". */
#include "common.h"

__attribute__((noinline)) static void main_moves(void)
{
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
}

__attribute__((noinline)) static void worker_moves(void)
{
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
}

static int worker_switches;

static void *worker(void *p)
{
	(void)p;
	say_tid("worker");
	if (worker_switches)
		worker_moves();
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "main-moves";

	need_namespaces();
	worker_switches = !strcmp(mode, "worker-moves");
	say_tid("main");
	start_threads(worker);
	pthread_barrier_wait(&ready);
	if (!worker_switches)
		main_moves();
	return 0;
}
