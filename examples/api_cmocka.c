/* cmocka tests: include namspill.h after cmocka.h and a failed
 * NAMSPILL_ASSERT_* fails the test with the report as its message.
 * Give it the argument "bug" to make the pool forget a thread. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <namspill.h>

/* The code under test: a pool of two threads waiting for work. */
static struct {
	pthread_t t[2];
	int quit, forget;
	pthread_mutex_t mu;
	pthread_cond_t cv;
} pool = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void *pool_worker(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&pool.mu);
	while (!pool.quit)
		pthread_cond_wait(&pool.cv, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
	return NULL;
}

static void pool_start(void)
{
	pool.quit = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&pool.t[i], NULL, pool_worker, NULL);
}

static void pool_stop(void)
{
	if (pool.forget)
		return; /* BUG: the threads keep waiting */
	pthread_mutex_lock(&pool.mu);
	pool.quit = 1;
	pthread_cond_broadcast(&pool.cv);
	pthread_mutex_unlock(&pool.mu);
	for (int i = 0; i < 2; i++)
		pthread_join(pool.t[i], NULL);
}

static int take_baseline(void **state)
{
	*state = namspill_threads_snapshot();
	return *state ? 0 : -1;
}

static int drop_baseline(void **state)
{
	namspill_threads_free(*state);
	return 0;
}

static void pool_stop_ends_its_threads(void **state)
{
	pool_start();
	pool_stop();
	NAMSPILL_ASSERT_NO_LEAKS(*state);
}

static void threads_stay_in_their_namespaces(void **state)
{
	(void)state;
	pool_start();
	NAMSPILL_ASSERT_UNIFORM();
	pool_stop();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pool_stop_ends_its_threads, take_baseline,
						drop_baseline),
		cmocka_unit_test(threads_stay_in_their_namespaces),
	};

	pool.forget = argc > 1 && !strcmp(argv[1], "bug");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
