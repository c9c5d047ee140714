/* enter_path PATH [wait]: a worker enters the namespace of the file PATH
 * (a /run/netns name, a bind mount, /proc/PID/ns/TYPE) with setns(fd, 0)
 * and stays there: "tid worker N".  With "wait" the process waits for a
 * signal (for namspill ps); without, it exits at once. */
#include "common.h"

static const char *path;

static void *worker(void *unused)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	(void)unused;
	if (fd < 0 || setns(fd, 0) != 0) {
		perror(path);
		exit(1);
	}
	say_tid("worker");
	pthread_barrier_wait(&ready);
	return park();
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	path = argv[1];
	start_threads(worker, bystander, bystander);
	pthread_barrier_wait(&ready);
	printf("ready\n");
	fflush(stdout);
	if (argc > 2 && !strcmp(argv[2], "wait"))
		pause();
	return 0;
}
