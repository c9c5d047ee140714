/* Threads made with clone() directly, not pthread_create: they share
 * the creator's thread pointer (no CLONE_SETTLS), so the shim must not
 * take the creator's record for theirs.  The first clone thread enters a
 * net namespace and stays; the second enters and goes home.  Main itself
 * switches first (so it has a record) and goes home. */
#include "common.h"
#include <sys/mman.h>

#define STACK (256 << 10)

static int nsfd, home;
static _Atomic int done;

__attribute__((noinline)) static void cloned_enter(void)
{
	if (setns(nsfd, CLONE_NEWNET) != 0)
		abort();
}

static int stayer(void *p)
{
	(void)p;
	cloned_enter();
	done++;
	for (;;)
		syscall(SYS_pause);
	return 0;
}

static int returner(void *p)
{
	(void)p;
	cloned_enter();
	if (setns(home, CLONE_NEWNET) != 0)
		abort();
	done++;
	for (;;)
		syscall(SYS_pause);
	return 0;
}

static pid_t start(int (*fn)(void *))
{
	char *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM;

	if (stack == MAP_FAILED)
		abort();
	return clone(fn, stack + STACK, flags, NULL);
}

int main(void)
{
	pid_t a, b;

	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	home = open_ns("net");
	if (setns(nsfd, CLONE_NEWNET) != 0 || setns(home, CLONE_NEWNET) != 0)
		abort();
	a = start(stayer);
	b = start(returner);
	if (a < 0 || b < 0)
		abort();
	while (done < 2)
		usleep(1000);
	printf("tid stayer %d\ntid returner %d\n", (int)a, (int)b);
	say_tid("main");
	return 0;
}
