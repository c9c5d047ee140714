/* Names from the process that would forge report lines or drive a
 * terminal if written raw: the spilled thread names itself with a newline
 * and an escape sequence, and the function that spills sits in a "file"
 * whose name (from #line, so in DWARF) holds the same.  Two bystanders
 * keep the majority.  Prints "tid leaker N". */
#include "common.h"

#define ODD_NAME "\nSUMMARY:ok\033[8m" /* 15 bytes, the most a name holds */

static void odd_unshare(void);

static void *leaker(void *p)
{
	(void)p;
	pthread_setname_np(pthread_self(), ODD_NAME);
	say_tid("leaker");
	odd_unshare();
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	need_namespaces();
	start_threads(leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	return 0;
}

/* Last in the file: every line after #line has the odd file name. */
#line 1 "odd\033[8m\nSUMMARY: forged.c"
__attribute__((noinline)) static void odd_unshare(void)
{
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
}
