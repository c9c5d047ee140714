/* Criterion tests: include namspill.h after criterion.h and a failed
 * NAMSPILL_ASSERT_* fails the test with the report as its message.  A
 * thread the code keeps on purpose is ignored by its start routine.
 * Set EXAMPLE_BUG=1 to make the code under test leave a thread behind. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <namspill.h>

static void *log_flusher(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return NULL;
}

static void *watchdog(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return NULL;
}

static void start_detached(void *(*fn)(void *))
{
	pthread_t t;

	pthread_create(&t, NULL, fn, NULL);
	pthread_detach(t);
}

static void start_flusher(void)
{
	start_detached(log_flusher);
}

/* The code under test: starts a log flusher once, on purpose, for the
 * life of the process; with the bug, a watchdog nobody stops. */
static void connect_to_server(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, start_flusher);
	if (getenv("EXAMPLE_BUG"))
		start_detached(watchdog);
}

static struct namspill_threads *baseline;

static void take_baseline(void)
{
	baseline = namspill_threads_snapshot();
}

static void drop_baseline(void)
{
	namspill_threads_free(baseline);
}

static const char *const kept_on_purpose[] = { "log_flusher", NULL };
static const struct namspill_ignore ignore = { .top_functions = kept_on_purpose };

Test(client, connect_leaves_no_thread_behind, .init = take_baseline, .fini = drop_baseline)
{
	connect_to_server();
	NAMSPILL_ASSERT_NO_LEAKS_IGNORING(baseline, &ignore);
}

Test(client, threads_stay_in_their_namespaces)
{
	connect_to_server();
	NAMSPILL_ASSERT_UNIFORM();
}
