/* 100 threads each unshare uts and stay: a report of some 100 KB.  A
 * SIGUSR1 handler without SA_RESTART counts signals, so a signal makes a
 * blocked write return early (EINTR or short).  Main returns once the
 * storm has begun; the atexit handler, which runs after the report, says
 * how many signals came meanwhile. */
#include "common.h"
#include <signal.h>

#define N 100

static volatile sig_atomic_t hits;
static int before;

static void on_usr1(int sig)
{
	(void)sig;
	hits++;
}

static void after(void)
{
	printf("signals_before %d signals_after %d\n", before, (int)hits);
}

static void *worker(void *p)
{
	(void)p;
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t usr1;
	pthread_t t;

	need_namespaces();
	sigaction(SIGUSR1, &sa, NULL);
	/* Only main takes the signal, as it is the thread writing the report. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_barrier_init(&ready, NULL, N + 2);
	for (int i = 0; i < N; i++)
		pthread_create(&t, NULL, worker, NULL);
	/* Each unshare makes a namespace of its own: main and the bystander
	 * are the majority. */
	pthread_create(&t, NULL, bystander, NULL);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	pthread_barrier_wait(&ready);
	atexit(after);
	printf("ready\n");
	fflush(stdout);
	while (hits < 100)
		usleep(1000);
	before = (int)hits;
	return 0;
}
