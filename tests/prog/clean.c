/* Threads that switch namespaces and go home: no spill, status kept. */
#include "common.h"

static int nsfd;

static void *worker(void *p)
{
	int home = open_ns("net");
	(void)p;
	for (int i = 0; i < 100; i++) {
		if (setns(nsfd, CLONE_NEWNET) != 0 || setns(home, CLONE_NEWNET) != 0)
			abort();
	}
	close(home);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[4];

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return argc > 1 ? atoi(argv[1]) : 0;
}
