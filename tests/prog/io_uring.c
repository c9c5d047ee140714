/* A single-threaded program with io_uring's kernel threads: an SQPOLL
 * thread (iou-sqp-*) and, for a request forced async, an io-wq worker
 * (iou-wrk-*).  They are listed in /proc/PID/task but never run the
 * program's code.  Then main moves to a uts namespace of its own for
 * good: it is the only thread that runs code, so nothing is spilled. */
#include "common.h"
#include <stdint.h>
#include <linux/io_uring.h>
#include <sys/mman.h>

static int setup(unsigned flags, struct io_uring_params *p)
{
	memset(p, 0, sizeof(*p));
	p->flags = flags;
	p->sq_thread_idle = 60000;
	return (int)syscall(__NR_io_uring_setup, 4, p);
}

/* One read of a pipe that has no data yet, forced to the io-wq pool. */
static int queue_async_read(int ring, const struct io_uring_params *p, int fd, char *buf)
{
	size_t sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned);
	char *sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
			IORING_OFF_SQ_RING);
	struct io_uring_sqe *sqes = mmap(NULL, p->sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	unsigned *tail, *array;

	if (sq == MAP_FAILED || sqes == MAP_FAILED)
		return -1;
	tail = (unsigned *)(sq + p->sq_off.tail);
	array = (unsigned *)(sq + p->sq_off.array);
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_READ;
	sqes[0].flags = IOSQE_ASYNC;
	sqes[0].fd = fd;
	sqes[0].addr = (uint64_t)(uintptr_t)buf;
	sqes[0].len = 1;
	array[0] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	return (int)syscall(__NR_io_uring_enter, ring, 1, 0, 0, NULL, 0);
}

static int threads(void)
{
	char buf[4096], *t;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	t = strstr(buf, "Threads:");
	return t ? atoi(t + 8) : -1;
}

int main(void)
{
	struct io_uring_params sqp, wqp;
	static char byte;
	int pipefd[2], polled, ring;

	need_namespaces();
	polled = setup(IORING_SETUP_SQPOLL, &sqp);
	ring = setup(0, &wqp);
	if (polled < 0 || ring < 0 || pipe(pipefd)) {
		fprintf(stderr, "skip: io_uring not available (%s)\n", strerror(errno));
		return SKIP;
	}
	if (queue_async_read(ring, &wqp, pipefd[0], &byte) < 0) {
		fprintf(stderr, "skip: cannot queue an io_uring read (%s)\n", strerror(errno));
		return SKIP;
	}
	for (int i = 0; i < 200 && threads() < 3; i++)
		usleep(10000);
	printf("threads %d\n", threads());
	fflush(stdout);
	if (unshare(CLONE_NEWUTS) != 0)
		abort();
	return 0;
}
