/* Names the report must still find though the process made its own /proc
 * entries hard to read.  A worker spills in leaky_unshare() (its uts
 * namespace) and two bystanders keep the majority; then MODE:
 *   unlink       the executable was removed first (rebuilt or upgraded
 *                while it ran): its mappings read "PATH (deleted)"
 *   zombie-main  the main thread ends with pthread_exit() and a worker
 *                calls exit(0) once it is a zombie: /proc/PID/maps and
 *                /proc/PID/cmdline then read empty
 *   setuid       the process drops root (setgid and setuid 65534) as
 *                daemons do, so it is no longer dumpable: another process
 *                of the same user cannot read its /proc/PID/maps
 * Prints "tid leaker N". */
#include "common.h"

__attribute__((noinline)) static void leaky_unshare(void)
{
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
}

static void *leaker(void *p)
{
	(void)p;
	say_tid("leaker");
	leaky_unshare();
	pthread_barrier_wait(&ready);
	return park();
}

static int main_is_zombie(void)
{
	char path[64], buf[512], *rp;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)getpid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' && rp[2] == 'Z';
}

static void *quitter(void *p)
{
	(void)p;
	pthread_barrier_wait(&ready);
	for (int i = 0; i < 5000 && !main_is_zombie(); i++)
		usleep(1000);
	exit(0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "unlink";
	char self[4096];
	ssize_t n;

	need_namespaces();
	if (!strcmp(mode, "unlink")) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0)
			abort();
		self[n] = 0;
		unlink(self);
	}
	if (!strcmp(mode, "zombie-main")) {
		start_threads(leaker, bystander, bystander, quitter);
		pthread_barrier_wait(&ready);
		pthread_exit(NULL);
	}
	start_threads(leaker, bystander, bystander);
	pthread_barrier_wait(&ready);
	if (!strcmp(mode, "setuid") && (setgid(65534) || setuid(65534))) {
		fprintf(stderr, "skip: setuid needs root (%s)\n", strerror(errno));
		return SKIP;
	}
	return 0;
}
