/* Every API function called from two threads while three others keep
 * creating threads that switch namespaces and end.  Must not crash,
 * deadlock (the harness has a timeout) or touch errno.  Exit status 0
 * when every call succeeded. */
#include "../prog/common.h"

#include <stdatomic.h>

#include <namspill.h>

#define CHURNERS 3
#define CHECKERS 2
#define ROUNDS 150 /* threads each churner creates */
#define CHECKS 25  /* rounds of calls each checker makes */

static int foreign, home;
static _Atomic int failed, churning = CHURNERS;

static void *visitor(void *unused)
{
	(void)unused;
	if (setns(foreign, CLONE_NEWUTS) || setns(home, CLONE_NEWUTS))
		abort();
	return NULL;
}

static void *churner(void *unused)
{
	(void)unused;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, visitor, NULL) == 0)
			pthread_join(t, NULL);
	}
	atomic_fetch_sub(&churning, 1);
	return NULL;
}

static void want(int ok, const char *what, int rc)
{
	if (!ok || errno != 4242) {
		fprintf(stderr, "%s: rc %d errno %d\n", what, rc, errno);
		atomic_store(&failed, 1);
	}
	errno = 4242;
}

static void *checker(void *unused)
{
	(void)unused;
	errno = 4242;
	for (int i = 0; i < CHECKS || atomic_load(&churning); i++) {
		struct namspill_task *t;
		struct namspill_threads *b;
		size_t n;
		int rc;

		rc = namspill_check(-1); /* visitors may be away right now */
		want(rc >= 0, "check", rc);
		rc = namspill_tasks(&t, &n);
		want(rc == 0 && n >= 1, "tasks", rc);
		namspill_tasks_free(t);
		b = namspill_threads_snapshot();
		want(b != NULL, "snapshot", 0);
		rc = namspill_threads_leaked(b, NULL, 0, -1);
		want(rc >= 0, "leaked", rc);
		namspill_threads_free(b);
	}
	return NULL;
}

int main(void)
{
	pthread_t c[CHURNERS], k[CHECKERS];

	need_namespaces();
	foreign = make_ns(CLONE_NEWUTS, "uts");
	home = open_ns("uts");
	for (int i = 0; i < CHECKERS; i++)
		pthread_create(&k[i], NULL, checker, NULL);
	for (int i = 0; i < CHURNERS; i++)
		pthread_create(&c[i], NULL, churner, NULL);
	for (int i = 0; i < CHURNERS; i++)
		pthread_join(c[i], NULL);
	for (int i = 0; i < CHECKERS; i++)
		pthread_join(k[i], NULL);
	if (namspill_check(2) != 0)
		atomic_store(&failed, 1);
	if (!atomic_load(&failed))
		puts("ok");
	return atomic_load(&failed);
}
