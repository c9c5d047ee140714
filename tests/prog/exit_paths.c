/* A worker leaves itself in a uts namespace of its own; then the process
 * ends by the path named in argv[1], with status 0:
 *   _exit, _Exit, exit_group (syscall(SYS_exit_group)),
 *   last_thread (main ends by pthread_exit, then the worker, the last
 *   thread, by syscall(SYS_exit), which ends the process: alone by then,
 *   it has nothing spilled, but the process still gets its report),
 *   cancel_pending (a thread with a cancellation pending on it calls
 *   exit(0): it ends the process, as without the library, whatever
 *   cancellation points the report passes; main joins it, and says
 *   "exit ended only its thread" if it ever can),
 *   main_gone (main ends by pthread_exit; a thread it left makes and
 *   joins 100 short threads, then calls exit(0): the worker's path must
 *   still start where main was). */
#include "common.h"

static const char *how;
static pthread_barrier_t last;

static void *worker(void *p)
{
	(void)p;
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	say_tid("leaker");
	pthread_barrier_wait(&ready);
	if (strcmp(how, "last_thread"))
		return park();
	pthread_barrier_wait(&last);
	usleep(200000); /* main is gone by now */
	syscall(SYS_exit, 0);
	return NULL;
}

static void *exits_canceled(void *p)
{
	(void)p;
	pthread_cancel(pthread_self());
	exit(0);
}

static void *nothing(void *p)
{
	return p;
}

static void *exits_later(void *p)
{
	pthread_t t;

	(void)p;
	usleep(100000); /* main is gone by now */
	for (int i = 0; i < 100; i++)
		if (pthread_create(&t, NULL, nothing, NULL) || pthread_join(t, NULL))
			abort();
	exit(0);
}

int main(int argc, char **argv)
{
	how = argc > 1 ? argv[1] : "_exit";
	need_namespaces();
	pthread_barrier_init(&last, NULL, 2);
	if (!strcmp(how, "last_thread"))
		start_threads(worker);
	else
		start_threads(worker, bystander);
	pthread_barrier_wait(&ready);
	say_tid("main");
	if (!strcmp(how, "_exit"))
		_exit(0);
	if (!strcmp(how, "_Exit"))
		_Exit(0);
	if (!strcmp(how, "exit_group"))
		syscall(SYS_exit_group, 0);
	if (!strcmp(how, "cancel_pending")) {
		pthread_t t;
		pthread_create(&t, NULL, exits_canceled, NULL);
		pthread_join(t, NULL);
		printf("exit ended only its thread\n");
		return 1;
	}
	if (!strcmp(how, "main_gone")) {
		pthread_t t;
		if (pthread_create(&t, NULL, exits_later, NULL))
			abort();
		pthread_exit(NULL);
	}
	pthread_barrier_wait(&last);
	pthread_exit(NULL);
}
