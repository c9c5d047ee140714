// A C++ worker leaves itself in a uts namespace: the report names its
// functions demangled, namespaces, classes and argument types included.
#include <pthread.h>
#include <sched.h>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <sys/syscall.h>

namespace net {
struct Sandbox {
	__attribute__((noinline)) static void enter(int flags)
	{
		if (unshare(flags) != 0)
			std::abort();
	}
};
} // namespace net

static pthread_barrier_t ready;

static void *worker(void *)
{
	net::Sandbox::enter(CLONE_NEWUTS);
	std::printf("tid leaker %ld\n", (long)syscall(SYS_gettid));
	std::fflush(stdout);
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
}

static void *bystander(void *)
{
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
}

int main()
{
	pthread_t t;

	if (geteuid() != 0) {
		std::fprintf(stderr, "skip: needs root\n");
		return 77;
	}
	pthread_barrier_init(&ready, nullptr, 4);
	pthread_create(&t, nullptr, worker, nullptr);
	pthread_create(&t, nullptr, bystander, nullptr);
	pthread_create(&t, nullptr, bystander, nullptr);
	pthread_barrier_wait(&ready);
	return 0;
}
