/* Started with fds 0, 1 and 2 closed: the files it opens take those
 * numbers.  Writes one line to each, leaks a uts namespace on a thread and
 * exits 0.  argv[1]: directory for the files a, b, c. */
#include "common.h"

static void *leaker(void *p)
{
	(void)p;
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "a", "b", "c" };
	char path[4096];

	if (argc < 2 || fcntl(0, F_GETFD) >= 0 || fcntl(2, F_GETFD) >= 0)
		return 2; /* not started the way this test needs */
	if (geteuid() != 0)
		return SKIP;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
		if (open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) != i)
			return 3;
	}
	start_threads(leaker, bystander);
	pthread_barrier_wait(&ready);
	/* fd 0 is "a", 1 is "b", 2 is "c". */
	if (write(0, "file a\n", 7) != 7 || write(2, "file c\n", 7) != 7)
		return 4;
	printf("file b\n");
	return 0;
}
