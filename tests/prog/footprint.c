/* What a program can see of itself, printed at points of its life, so a
 * test compares the lines run natively and under namspill (they must be
 * the same):
 *   fds       every open descriptor and what it is
 *   threads   how many /proc/self/task lists
 *   signals   each disposition and flags sigaction() gives, the mask, and
 *             whether a signal stack is set
 *   umask, errno, and mappings of 64 MiB or more
 * Points: start-up; after one thread moved to another uts namespace and
 * stayed there (a spill) and another moved to a net namespace and back;
 * after a thread moved to a mount namespace of its own (as root); in a
 * fork child before exec; in that child after it exec'd this program
 * again ("exec-child").
 *   footprint swap FILE   first puts FILE at fd 2 (as a program that
 *                         sends its own errors to a log does): what the
 *                         library has to say must not land there. */
#include "common.h"
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	printf("  threads: %d\n", n);
}

static void signals(void)
{
	sigset_t mask;
	stack_t ss;

	printf("  signals:");
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa))
			continue;
		if (sa.sa_handler != SIG_DFL || sa.sa_flags)
			printf(" %d=%s/%x", sig, sa.sa_handler == SIG_IGN ? "ign" :
			       sa.sa_handler == SIG_DFL ? "dfl" : "fn", (unsigned)sa.sa_flags);
	}
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	printf("\n  blocked:");
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&mask, sig) == 1)
			printf(" %d", sig);
	sigaltstack(NULL, &ss);
	printf("\n  sigaltstack: %s\n", ss.ss_flags & SS_DISABLE ? "none" : "set");
}

static void big_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char line[512];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && hi - lo >= (64ul << 20))
			n++;
	if (f)
		fclose(f);
	printf("  mappings of 64 MiB or more: %d\n", n);
}

static void snapshot(const char *when)
{
	mode_t m = umask(0);

	umask(m);
	errno = 4242;
	printf("%s\n", when);
	print_fds("  fds");
	threads();
	signals();
	big_mappings();
	printf("  umask: %03o\n", (unsigned)m);
	fflush(stdout);
}

/* pthread_join returns once the thread has cleared its tid, a moment
 * before the kernel takes it off /proc/self/task (with or without
 * namspill): wait for that. */
static void join(pthread_t t, void **ret, const pid_t *tid)
{
	char path[64];

	pthread_join(t, ret);
	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)*tid);
	for (int i = 0; i < 2000 && access(path, F_OK) == 0; i++)
		usleep(1000);
}

static pid_t last_tid;

static void *stays_away(void *unused)
{
	(void)unused;
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	pthread_barrier_wait(&ready);
	return park();
}

static void *goes_back(void *unused)
{
	int home = open_ns("net");

	(void)unused;
	last_tid = tid_now();
	if (home < 0 || unshare(CLONE_NEWNET) != 0 || setns(home, CLONE_NEWNET) != 0)
		abort();
	close(home);
	return NULL;
}

static void *moves_mounts(void *unused)
{
	(void)unused;
	last_tid = tid_now();
	return (void *)(intptr_t)unshare(CLONE_FS | CLONE_NEWNS);
}

int main(int argc, char **argv)
{
	pthread_t t;
	void *r;
	pid_t child;
	int st;

	if (argc > 1 && !strcmp(argv[1], "exec-child")) {
		snapshot("child after exec");
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "swap")) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) != 2)
			return 2;
		close(fd);
	}
	umask(027);
	snapshot("start");
	need_namespaces();
	pthread_barrier_init(&ready, NULL, 2);
	pthread_create(&t, NULL, stays_away, NULL);
	pthread_barrier_wait(&ready);
	pthread_create(&t, NULL, goes_back, NULL);
	join(t, NULL, &last_tid);
	snapshot("after threads switched");
	if (geteuid() == 0) {
		pthread_create(&t, NULL, moves_mounts, NULL);
		join(t, &r, &last_tid);
		if (r)
			abort();
	}
	snapshot("after a thread moved its mounts");
	child = fork();
	if (child == 0) {
		snapshot("child before exec");
		execl("/proc/self/exe", argv[0], "exec-child", (char *)NULL);
		_exit(127);
	}
	waitpid(child, &st, 0);
	printf("child status %d\n", st);
	snapshot("end");
	return 0;
}
