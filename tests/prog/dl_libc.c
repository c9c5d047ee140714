/* Switches through functions looked up in the C library's own handle,
 * as ctypes, cffi, JNA and libloading callers do: dlsym(libc, "unshare")
 * on one worker, dlvsym(libc, "setns", version) on another, and
 * syscall(SYS_unshare) through dlsym(libc, "syscall") on a third. */
#include "common.h"
#include <dlfcn.h>

static void *libc;
static int nsfd;

__attribute__((noinline)) static void by_dlsym(void)
{
	int (*u)(int) = (int (*)(int))dlsym(libc, "unshare");

	if (!u || u(CLONE_NEWUTS) != 0)
		abort();
}

__attribute__((noinline)) static void by_dlvsym(void)
{
	int (*s)(int, int) = (int (*)(int, int))dlvsym(libc, "setns", "GLIBC_2.14");

	if (!s || s(nsfd, CLONE_NEWNET) != 0)
		abort();
}

__attribute__((noinline)) static void by_syscall(void)
{
	long (*sc)(long, ...) = (long (*)(long, ...))dlsym(libc, "syscall");

	if (!sc || sc(SYS_unshare, CLONE_NEWUTS) != 0)
		abort();
}

static void *one(void *p) { (void)p; say_tid("dlsym"); by_dlsym(); pthread_barrier_wait(&ready); return park(); }
static void *two(void *p) { (void)p; say_tid("dlvsym"); by_dlvsym(); pthread_barrier_wait(&ready); return park(); }
static void *three(void *p) { (void)p; say_tid("syscall"); by_syscall(); pthread_barrier_wait(&ready); return park(); }

int main(void)
{
	need_namespaces();
	nsfd = make_ns(CLONE_NEWNET, "net");
	libc = dlopen("libc.so.6", RTLD_NOW);
	if (!libc)
		return 2;
	start_threads(one, two, three, bystander, bystander, bystander, bystander);
	pthread_barrier_wait(&ready);
	return 0;
}
