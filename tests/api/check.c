/* namspill_check and namspill_report while a thread sits in a foreign
 * namespace, and after it went home.  Linked with -lnamspill.  Prints
 * "check N" lines, the text report of the first check and one JSON
 * report per phase on stdout. */
#include "../prog/common.h"

#include <namspill.h>

static int foreign, home;
static pthread_barrier_t step;

__attribute__((noinline)) static void enter_sandbox(void)
{
	if (setns(foreign, CLONE_NEWUTS) != 0)
		abort();
}

static void *spiller(void *unused)
{
	(void)unused;
	say_tid("spiller");
	enter_sandbox();
	pthread_barrier_wait(&step); /* spilled */
	pthread_barrier_wait(&step);
	if (setns(home, CLONE_NEWUTS) != 0)
		abort();
	pthread_barrier_wait(&step); /* home */
	return park();
}

static void phase(const char *name)
{
	int n;

	printf("phase %s\n", name);
	fflush(stdout);
	errno = 4242;
	n = namspill_check(1);
	printf("check %d errno %d\n", n, errno);
	fflush(stdout);
	namspill_report(1, "json");
}

int main(void)
{
	pthread_t t[3];

	need_namespaces();
	foreign = make_ns(CLONE_NEWUTS, "uts");
	home = open_ns("uts");
	pthread_barrier_init(&ready, NULL, 3);
	pthread_barrier_init(&step, NULL, 2);
	pthread_create(&t[0], NULL, bystander, NULL);
	pthread_create(&t[1], NULL, bystander, NULL);
	pthread_barrier_wait(&ready);
	pthread_create(&t[2], NULL, spiller, NULL);
	pthread_barrier_wait(&step);
	phase("spilled");
	pthread_barrier_wait(&step);
	pthread_barrier_wait(&step);
	phase("home");
	return 0;
}
