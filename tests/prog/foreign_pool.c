/* Threads the shim did not create: started through libc's pthread_create
 * directly (as if created before the shim was loaded).  They get a record
 * lazily on their first setns. */
#include "common.h"
#include <dlfcn.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

static int nsfd;

__attribute__((noinline)) static void pool_task(void)
{
	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
}

static void *worker(void *p)
{
	if (p) {
		say_tid("leaker");
		pool_task();
	}
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	create_fn create = libc ? (create_fn)dlsym(libc, "pthread_create") : NULL;
	pthread_t t[3];

	need_namespaces();
	if (!create)
		return 1;
	nsfd = make_ns(CLONE_NEWNET, "net");
	pthread_barrier_init(&ready, NULL, 4);
	create(&t[0], NULL, worker, (void *)1);
	create(&t[1], NULL, worker, NULL);
	create(&t[2], NULL, worker, NULL);
	pthread_barrier_wait(&ready);
	return 0;
}
