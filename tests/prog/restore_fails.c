/* A worker enters a network namespace and its way back goes wrong:
 *   eperm   it drops CAP_SYS_ADMIN (its own thread only) before going
 *           back: setns fails with EPERM
 *   einval  it goes back with CLONE_NEWNS, the mount namespace's flag, on
 *           a network namespace fd: EINVAL
 *   nested  it enters A, saves "home" while inside A (the bug), enters B
 *           and "goes back" to home: it ends in A, after three switches
 *   many    twelve round trips between home and A, then one more into A
 * Each failing call is made twice, as a retry would.  "tid worker N". */
#include <linux/capability.h>

#include "common.h"

static int ns_a, ns_b;
static const char *mode;

static void drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		abort();
	d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
	if (syscall(SYS_capset, &h, d)) /* this thread alone */
		abort();
}

__attribute__((noinline)) static void enter(int fd)
{
	if (setns(fd, CLONE_NEWNET) != 0) /* marker: enter */
		abort();
}

__attribute__((noinline)) static int restore_home(int home, int flag)
{
	return setns(home, flag); /* marker: restore */
}

__attribute__((noinline)) static void enter_b_and_back(void)
{
	int home = open_ns("net"); /* inside A already: the bug */

	enter(ns_b);
	if (restore_home(home, CLONE_NEWNET) != 0)
		abort();
	close(home);
}

static void *worker(void *unused)
{
	int home = open_ns("net");

	(void)unused;
	if (!strcmp(mode, "many")) {
		for (int i = 0; i < 12; i++) {
			enter(ns_a);
			if (restore_home(home, CLONE_NEWNET))
				abort();
		}
	}
	enter(ns_a);
	if (!strcmp(mode, "eperm")) {
		drop_sys_admin();
		for (int i = 0; i < 2; i++)
			if (restore_home(home, CLONE_NEWNET) == 0 || errno != EPERM)
				abort();
	} else if (!strcmp(mode, "einval")) {
		for (int i = 0; i < 2; i++)
			if (restore_home(home, CLONE_NEWNS) == 0 || errno != EINVAL)
				abort();
	} else if (!strcmp(mode, "nested")) {
		enter_b_and_back();
	}
	say_tid("worker");
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	mode = argc > 1 ? argv[1] : "eperm";
	need_namespaces();
	ns_a = make_ns(CLONE_NEWNET, "net");
	ns_b = make_ns(CLONE_NEWNET, "net");
	say_tid("main");
	start_threads(worker, bystander, bystander);
	pthread_barrier_wait(&ready);
	return 0;
}
