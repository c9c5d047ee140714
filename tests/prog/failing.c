/* Failing calls: the same return values and errno with and without the
 * shim, and nothing recorded. */
#include "common.h"

static void show(const char *what, long r)
{
	printf("%s = %ld errno %d\n", what, r, r < 0 ? errno : 0);
}

static void *worker(void *p)
{
	int file = open("/proc/self/stat", O_RDONLY);
	long r;

	(void)p;
	errno = 0;
	r = setns(-1, CLONE_NEWNET);
	show("setns(-1, NEWNET)", r);
	errno = 0;
	r = setns(file, 0);
	show("setns(file, 0)", r);
	errno = 0;
	r = setns(open_ns("net"), CLONE_NEWUTS);
	show("setns(netfd, NEWUTS)", r);
	errno = 0;
	r = unshare(0x7fffffff);
	show("unshare(bad)", r);
	errno = 0;
	r = syscall(SYS_setns, -1, CLONE_NEWNET);
	show("syscall(setns, -1)", r);
	errno = 0;
	r = syscall(SYS_unshare, -1);
	show("syscall(unshare, -1)", r);
	errno = 1234;
	r = syscall(SYS_getpid) == getpid();
	printf("syscall passthrough %ld errno %d\n", r, errno);
	return NULL;
}

int main(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int r;

	pthread_attr_init(&attr);
	errno = 0;
	/* A stack size beyond the address space: pthread_create fails. */
	pthread_attr_setstacksize(&attr, (size_t)1 << 62);
	r = pthread_create(&t, &attr, worker, NULL);
	printf("pthread_create(huge stack) = %d errno %d\n", r, errno);
	r = pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	printf("pthread_create = %d\n", r);
	return 0;
}
