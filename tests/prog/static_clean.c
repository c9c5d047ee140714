/* Built with -static: threads visit a net namespace and come back, so
 * nothing spills.  argv[1]: exit status (default 0). */
#include "common.h"

static int nsfd, home;

static void *visitor(void *p)
{
	(void)p;
	if (syscall(SYS_setns, nsfd, CLONE_NEWNET) != 0 || setns(home, 0) != 0)
		abort();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[4];

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	home = open_ns("net");
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, visitor, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("clean done\n");
	return argc > 1 ? atoi(argv[1]) : 0;
}
