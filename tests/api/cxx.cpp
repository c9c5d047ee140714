// The API from C++: the header is extern "C", the macros compile as C++,
// std::thread threads are seen.  Exit status 0 when all held.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <namspill.h>

namespace {

std::mutex mu;
std::condition_variable cv;
bool stop = false;

void wait_for_stop()
{
	std::unique_lock<std::mutex> lock(mu);
	cv.wait(lock, [] { return stop; });
}

int failures = 0;

void want(bool ok, const char *what)
{
	if (!ok) {
		std::fprintf(stderr, "%s\n", what);
		failures++;
	}
}

} // namespace

int main()
{
	namspill_task *tasks = nullptr;
	size_t n = 0;
	want(namspill_tasks(&tasks, &n) == 0 && n >= 1, "namspill_tasks");
	namspill_tasks_free(tasks);

	namspill_threads *baseline = namspill_threads_snapshot();
	std::thread worker(wait_for_stop);
	want(namspill_threads_leaked(baseline, nullptr, 0, -1) == 1, "std::thread seen as leaked");

	// The thread's start routine is libstdc++'s: ignore by creator instead.
	const char *const creators[] = { "std::thread::_M_start_thread*", nullptr };
	namspill_ignore ignore = {};
	ignore.creator_functions = creators;
	const char *msg = nullptr;
	int ignored = namspill_threads_leaked_msg(baseline, &ignore, 0, &msg);
	want(ignored == 0, msg ? msg : "ignored by creator");

	{
		std::lock_guard<std::mutex> lock(mu);
		stop = true;
	}
	cv.notify_all();
	worker.join();
	NAMSPILL_ASSERT_UNIFORM();
	NAMSPILL_ASSERT_NO_LEAKS(baseline);
	namspill_threads_free(baseline);
	if (!failures)
		std::puts("ok");
	return failures;
}
