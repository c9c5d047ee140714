/* An OpenMP pool: one team member enters a net namespace inside a parallel
 * region and the runtime keeps it for the next region. */
#include "common.h"
#include <omp.h>

static int nsfd;

__attribute__((noinline)) static void task_enters_ns(void)
{
	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
	say_tid("leaker");
}

int main(void)
{
	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	omp_set_dynamic(0);
#pragma omp parallel num_threads(4)
	{
		if (omp_get_thread_num() == 2)
			task_enters_ns();
	}
	/* The pool stays alive, idle, until exit. */
	printf("threads %d\n", omp_get_max_threads());
	return 0;
}
