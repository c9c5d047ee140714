/* Reports asked where the thread that asks is not at home: it moved to a
 * mount namespace of its own and hid the log directory (argv[2]), and
 * /proc with "proc", under empty tmpfs mounts there.  argv[1]:
 *   main LOGDIR [proc]    the main thread moves while two bystanders stay
 *                         home, then calls exit(0): the report, judged from
 *                         home, names main as the spill
 *   requests LOGDIR N     N threads move, each to a namespace of its own
 *                         with /proc hidden; each takes a report_signal
 *                         (SIGUSR1) at once; main waits for N request
 *                         reports in LOGDIR, then exits
 *   shared-tls LOGDIR     a clone(CLONE_VM) thread without a thread pointer
 *                         of its own comes first; then a thread moves, hides
 *                         /proc too, and calls exit(0)
 *   whole LOGDIR          main moves before any thread exists, then a
 *                         thread leaks uts: no thread is left at home
 * Mounting needs root; "tid NAME N" lines say which thread did what. */
#include "common.h"
#include <dirent.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>

static const char *logdir;

static void move_and_hide(int proc)
{
	if (unshare(CLONE_FS | CLONE_NEWNS) != 0) {
		fprintf(stderr, "skip: cannot unshare a mount namespace (%s)\n", strerror(errno));
		exit(SKIP);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    (proc && mount("none", "/proc", "tmpfs", 0, NULL) != 0) ||
	    mount("none", logdir, "tmpfs", 0, NULL) != 0) {
		fprintf(stderr, "skip: cannot mount over /proc or %s (%s)\n", logdir,
			strerror(errno));
		exit(SKIP);
	}
}

static int main_moves(int proc)
{
	start_threads(bystander, bystander);
	pthread_barrier_wait(&ready);
	move_and_hide(proc);
	say_tid("main");
	exit(0);
}

static _Atomic pid_t away_tids[16];
static _Atomic int naway;

static void *away_for_requests(void *unused)
{
	sigset_t usr1;

	(void)unused;
	move_and_hide(1);
	away_tids[naway++] = tid_now();
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	pthread_barrier_wait(&ready);
	return park();
}

static int requests_written(void)
{
	DIR *d = opendir(logdir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += strstr(e->d_name, ".request") && !strstr(e->d_name, ".tmp");
	if (d)
		closedir(d);
	return n;
}

static int requests(int n)
{
	sigset_t usr1;
	pthread_t t;

	if (n < 1 || n > 16)
		return 2;
	/* Only the threads that moved take SIGUSR1. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_barrier_init(&ready, NULL, (unsigned)n + 3);
	for (int i = 0; i < n; i++)
		pthread_create(&t, NULL, away_for_requests, NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&t, NULL, bystander, NULL);
	pthread_barrier_wait(&ready);
	for (int i = 0; i < n; i++)
		syscall(SYS_tgkill, getpid(), away_tids[i], SIGUSR1);
	/* Not a time limit on the library: a bound on this loop. */
	for (int i = 0; i < 60000 && requests_written() < n; i++)
		usleep(1000);
	printf("requests %d\n", requests_written());
	return 0;
}

static int clone_child(void *unused)
{
	(void)unused;
	for (;;)
		pause();
	return 0;
}

static void *away_and_exit(void *unused)
{
	(void)unused;
	move_and_hide(1);
	say_tid("away");
	pthread_barrier_wait(&ready);
	exit(0);
}

static int shared_tls(void)
{
	size_t size = 64 << 10;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (stack == MAP_FAILED ||
	    clone(clone_child, stack + size, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
	    CLONE_THREAD | CLONE_SYSVSEM, NULL) < 0)
		return 2;
	start_threads(away_and_exit, bystander, bystander);
	pthread_barrier_wait(&ready);
	return park() != NULL;
}

static int whole(void)
{
	move_and_hide(0);
	start_threads(uts_leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	logdir = argv[2];
	if (geteuid() != 0) {
		fprintf(stderr, "skip: mounting needs root\n");
		return SKIP;
	}
	if (!strcmp(argv[1], "main"))
		return main_moves(argc > 3 && !strcmp(argv[3], "proc"));
	if (!strcmp(argv[1], "requests") && argc > 3)
		return requests(atoi(argv[3]));
	if (!strcmp(argv[1], "shared-tls"))
		return shared_tls();
	if (!strcmp(argv[1], "whole"))
		return whole();
	return 2;
}
