/* Stacks the walker must get exactly as libunwind does: each case thread
 * takes libunwind's backtrace right before its setns, prints it
 * ("ref CASE TID ip:module ..."), switches and stays; the report's stack of
 * that setns must match it frame for frame. */
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>

#include "common.h"

#define CASES 7

static int nsfd;
static int (*unw_bt)(void **, int);

__attribute__((noinline)) static void switch_here(const char *name)
{
	void *ref[64];
	int n = unw_bt(ref, 64);
	char line[8192];
	int len = snprintf(line, sizeof(line), "ref %s %d", name, (int)tid_now());

	for (int i = 1; i < n; i++) {
		Dl_info di;
		const char *mod = dladdr(ref[i], &di) && di.dli_fname ? di.dli_fname : "?";
		const char *base = strrchr(mod, '/');
		len += snprintf(line + len, sizeof(line) - (size_t)len, " %lx:%s",
				(unsigned long)(uintptr_t)ref[i], base ? base + 1 : mod);
	}
	printf("%s\n", line);
	fflush(stdout);
	if (setns(nsfd, CLONE_NEWUTS) != 0)
		abort();
}

__attribute__((noinline)) static int deep(int n)
{
	volatile int r = 0;

	if (n)
		r = deep(n - 1);
	else
		switch_here("deep");
	return r;
}

__attribute__((noinline)) static void with_vla(int n)
{
	volatile char buf[n];

	buf[0] = 1;
	switch_here("vla");
	buf[n - 1] = buf[0];
}

static void on_signal(int sig)
{
	(void)sig;
	switch_here("signal");
}

static void switch_odd(void *unused)
{
	(void)unused;
	switch_here("odd");
}

#include "odd_frame.h"

#include "jit_frame.h"
#include "deep_state_frame.h"

static void switch_jit(void *unused)
{
	(void)unused;
	switch_here("jit");
}

static void switch_deep_state(void *unused)
{
	(void)unused;
	switch_here("deep_state");
}

static void *run_case(void *p)
{
	switch ((int)(intptr_t)p) {
	case 0: switch_here("plain"); break;
	case 1: deep(40); break;
	case 2: with_vla(500); break;
	case 3: pthread_kill(pthread_self(), SIGUSR1); break;
	case 4: odd_frame(switch_odd, NULL); break;
	case 5: jit_frame(switch_jit, NULL); break;
	case 6: deep_state_frame(switch_deep_state, NULL); break;
	}
	pthread_barrier_wait(&ready);
	return park();
}

int main(void)
{
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	pthread_t t;

	if (!h || !(*(void **)&unw_bt = dlsym(h, "unw_backtrace"))) {
		fprintf(stderr, "skip: libunwind.so.8 not found\n");
		return SKIP;
	}
	need_namespaces();
	nsfd = make_ns(CLONE_NEWUTS, "uts");
	signal(SIGUSR1, on_signal);
	/* More threads stay home than switch, so home is the majority. */
	pthread_barrier_init(&ready, NULL, 2 * CASES + 1);
	for (int i = 0; i < CASES; i++) {
		pthread_create(&t, NULL, run_case, (void *)(intptr_t)i);
		pthread_create(&t, NULL, bystander, NULL);
	}
	pthread_barrier_wait(&ready);
	return 0;
}
