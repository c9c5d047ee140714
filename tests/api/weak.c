/* The API without linking: weak references, bound when the library is
 * preloaded.  Prints "loaded" and the check's result, or "not loaded". */
#include "../prog/common.h"

#include <namspill.h>

#pragma weak namspill_check
#pragma weak namspill_threads_snapshot
#pragma weak namspill_threads_leaked
#pragma weak namspill_threads_free

static void *idle(void *unused)
{
	(void)unused;
	return park();
}

int main(void)
{
	struct namspill_threads *b;
	pthread_t t;

	if (!namspill_check) {
		puts("not loaded");
		return 0;
	}
	b = namspill_threads_snapshot();
	pthread_create(&t, NULL, idle, NULL);
	printf("loaded check %d leaked %d\n", namspill_check(-1),
	       namspill_threads_leaked(b, NULL, 0, 1));
	namspill_threads_free(b);
	return 0;
}
