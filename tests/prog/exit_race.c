/* Several threads call exit(0) after a worker spilled.  Without argument:
 * thread A's exit writes the report, then an atexit handler sleeps 300 ms,
 * and thread B calls exit(0) 100 ms into it.  "exit_race N": N threads
 * call exit(0) at the same moment.  Whoever ends the process, its status
 * is the spill's (66). */
#include "common.h"
#include <time.h>

static pthread_barrier_t go;

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

static void slow_handler(void)
{
	sleep_ms(300);
}

static void *quitter(void *delay)
{
	pthread_barrier_wait(&ready);
	if ((long)delay >= 0)
		sleep_ms((long)delay);
	else
		pthread_barrier_wait(&go);
	exit(0);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 0;
	pthread_t t;

	need_namespaces();
	if (!n)
		atexit(slow_handler);
	pthread_barrier_init(&go, NULL, n ? (unsigned)n : 1);
	/* ready counts the quitters too: they pass it with the others. */
	pthread_barrier_init(&ready, NULL, 3 + (n ? (unsigned)n : 2));
	pthread_create(&t, NULL, uts_leaker, NULL);
	pthread_create(&t, NULL, bystander, NULL);
	for (int i = 0; i < (n ? n : 2); i++)
		pthread_create(&t, NULL, quitter, (void *)(n ? -1L : 100L * i));
	pthread_barrier_wait(&ready);
	return park() != NULL;
}
