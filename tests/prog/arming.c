/* The library takes signals over only once the process is armed (its
 * first thread or recorded switch).  argv[1] says what happens around
 * that moment:
 *   single segv|abrt|term  one thread, one unshare(CLONE_NEWUTS), then
 *                          death by that signal: its report must come
 *   before | after         a SIGTERM handler of the program's own,
 *                          installed before the first thread (or after
 *                          it), then a thread leaks uts and SIGTERM
 *                          comes: the handler says "handled", exits 3
 *   query                  what sigaction() and sigaltstack() answer at
 *                          start, once a thread switched, once SIGTERM
 *                          and SIGHUP were given a handler and then the
 *                          default again: the lines must be those of a
 *                          run without the library
 *   vfork                  a vfork child switches (unshare) and _exits
 *                          before the parent has a thread; then the parent
 *                          leaks a thread and dies of SIGTERM: the
 *                          parent's report must come
 * Lines "tid NAME N" say which thread did what. */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

#define FAULTS __attribute__((no_sanitize("undefined")))

static void handled(int sig)
{
	(void)sig;
	write(1, "handled\n", 8);
	exit(3);
}

static const char *name_of(void (*h)(int))
{
	return h == SIG_DFL ? "dfl" : h == SIG_IGN ? "ign" : h == handled ? "handled" : "other";
}

static void query(const char *when)
{
	stack_t ss;

	printf("%s:", when);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa))
			continue;
		if (sa.sa_handler != SIG_DFL || sa.sa_flags)
			printf(" %d=%s/%x", sig, name_of(sa.sa_handler), (unsigned)sa.sa_flags);
	}
	sigaltstack(NULL, &ss);
	printf(" sigaltstack=%s\n", ss.ss_flags & SS_DISABLE ? "none" : "set");
	fflush(stdout);
}

static void leak_and_wait(void)
{
	start_threads(uts_leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
}

FAULTS static int single(const char *how)
{
	need_namespaces();
	if (unshare(CLONE_NEWUTS) != 0) {
		fprintf(stderr, "skip: cannot unshare uts (%s)\n", strerror(errno));
		return SKIP;
	}
	say_tid("main");
	if (!strcmp(how, "segv"))
		*(volatile int *)0 = 1;
	else if (!strcmp(how, "abrt"))
		abort();
	else if (!strcmp(how, "term"))
		raise(SIGTERM);
	return 2;
}

static int own_handler(int before)
{
	need_namespaces();
	if (before)
		signal(SIGTERM, handled);
	leak_and_wait();
	if (!before)
		signal(SIGTERM, handled);
	raise(SIGTERM);
	return 2;
}

static int queries(void)
{
	struct sigaction sa;

	query("start");
	need_namespaces();
	leak_and_wait();
	query("switched");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handled;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGHUP, handled);
	query("handlers");
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGHUP, SIG_DFL);
	query("defaults again");
	return 0;
}

static int vforked(void)
{
	pid_t pid;
	int st;

	need_namespaces();
	pid = vfork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWUTS) == 0 ? 0 : SKIP);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return 2;
	if (WEXITSTATUS(st) == SKIP) {
		fprintf(stderr, "skip: cannot unshare uts in a vfork child\n");
		return SKIP;
	}
	leak_and_wait();
	raise(SIGTERM);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "single"))
		return single(argv[2]);
	if (argc > 1 && (!strcmp(argv[1], "before") || !strcmp(argv[1], "after")))
		return own_handler(!strcmp(argv[1], "before"));
	if (argc > 1 && !strcmp(argv[1], "query"))
		return queries();
	if (argc > 1 && !strcmp(argv[1], "vfork"))
		return vforked();
	return 2;
}
