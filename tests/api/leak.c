/* A thread started after the baseline and still running, checked with
 * namspill_threads_leaked and each kind of ignore.  Linked with
 * -lnamspill.  argv[1] names the ignore: none, top, creator, stack, tid,
 * nomatch; "spilled" leaves the thread in a foreign namespace too.
 * Prints "leaked N errno E" and the report on stdout. */
#include "../prog/common.h"

#include <namspill.h>

static int foreign = -1;
static pid_t poller_tid;

static void *poller_loop(void *unused)
{
	(void)unused;
	if (foreign >= 0 && setns(foreign, CLONE_NEWUTS) != 0)
		abort();
	say_tid("poller");
	poller_tid = tid_now();
	pthread_barrier_wait(&ready);
	return park();
}

__attribute__((noinline)) static void start_poller(void)
{
	pthread_t t;

	pthread_create(&t, NULL, poller_loop, NULL);
}

__attribute__((noinline)) static void start_service(void)
{
	start_poller();
	__asm__ volatile(""); /* no tail call: start_service stays in the stack */
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "none";
	const char *const top[] = { "poller_*", NULL };
	const char *const creator[] = { "start_poller", NULL };
	const char *const stack[] = { "start_service", NULL };
	const char *const nomatch[] = { "poller", "start_service", "main", NULL };
	pid_t tids[2] = { 0, 0 };
	struct namspill_ignore ig = { 0 };
	struct namspill_threads *base;
	pthread_t keep;
	int n;

	if (!strcmp(mode, "spilled")) {
		need_namespaces();
		foreign = make_ns(CLONE_NEWUTS, "uts");
	}
	pthread_barrier_init(&ready, NULL, 3);
	pthread_create(&keep, NULL, bystander, NULL); /* in the baseline */
	base = namspill_threads_snapshot();
	if (!base)
		return 2;
	start_service();
	pthread_barrier_wait(&ready);
	if (!strcmp(mode, "top"))
		ig.top_functions = top;
	else if (!strcmp(mode, "creator"))
		ig.creator_functions = creator;
	else if (!strcmp(mode, "stack"))
		ig.stack_functions = stack;
	else if (!strcmp(mode, "nomatch"))
		ig.top_functions = ig.creator_functions = nomatch;
	if (!strcmp(mode, "tid")) {
		tids[0] = poller_tid;
		ig.tids = tids;
	}
	errno = 4242;
	n = namspill_threads_leaked(base, &ig, 0, 1);
	printf("leaked %d errno %d\n", n, errno);
	namspill_threads_free(base);
	return 0;
}
