/* Bad arguments give a negative errno; errno is never changed on success
 * and not touched on failure.  Exit status 0 when all held. */
#include "../prog/common.h"

#include <namspill.h>

static int failed;

static void expect_rc(const char *what, int rc, int want)
{
	if (rc != want || errno != 4242) {
		fprintf(stderr, "%s: returned %d (want %d), errno %d (want 4242)\n", what, rc,
			want, errno);
		failed = 1;
	}
	errno = 4242;
}

int main(void)
{
	struct namspill_task *t = (void *)1;
	struct namspill_threads *b;
	const char *msg = NULL;
	size_t n = 7;

	errno = 4242;
	expect_rc("tasks(NULL)", namspill_tasks(NULL, &n), -EINVAL);
	expect_rc("tasks(, NULL)", namspill_tasks(&t, NULL), -EINVAL);
	expect_rc("tasks", namspill_tasks(&t, &n), 0);
	if (n < 1 || !t || t[0].tid <= 0 || !t[0].ns[NAMSPILL_NS_NET].ino || !t[0].comm[0]) {
		fprintf(stderr, "tasks: n %zu, first tid %d\n", n, t ? t[0].tid : -1);
		failed = 1;
	}
	namspill_tasks_free(t);
	expect_rc("tasks_free(NULL)", (namspill_tasks_free(NULL), 0), 0);
	expect_rc("check(-1)", namspill_check(-1), 0);
	expect_rc("check(closed fd), nothing to write", namspill_check(999), 0);
	expect_rc("report(-1)", namspill_report(-1, NULL), -EBADF);
	expect_rc("report(xml)", namspill_report(1, "xml"), -EINVAL);
	expect_rc("report(closed fd)", namspill_report(999, "text"), -EBADF);
	expect_rc("report(/dev/null, json)", namspill_report(open("/dev/null", O_WRONLY), "json"), 0);
	expect_rc("leaked(NULL)", namspill_threads_leaked(NULL, NULL, 0, -1), -EINVAL);
	b = namspill_threads_snapshot();
	if (!b || errno != 4242) {
		fprintf(stderr, "snapshot: %p errno %d\n", (void *)b, errno);
		failed = 1;
	}
	errno = 4242;
	expect_rc("leaked", namspill_threads_leaked(b, NULL, 0, -1), 0);
	expect_rc("check_msg(NULL)", namspill_check_msg(NULL), -EINVAL);
	expect_rc("check_msg", namspill_check_msg(&msg), 0);
	if (!msg || *msg) {
		fprintf(stderr, "check_msg: message \"%s\", want \"\"\n", msg ? msg : "(null)");
		failed = 1;
	}
	expect_rc("leaked_msg(NULL baseline)", namspill_threads_leaked_msg(NULL, NULL, 0, &msg),
		  -EINVAL);
	if (!msg || !strstr(msg, "cannot check: Invalid argument")) {
		fprintf(stderr, "leaked_msg: message \"%s\"\n", msg ? msg : "(null)");
		failed = 1;
	}
	expect_rc("threads_free", (namspill_threads_free(b), 0), 0);
	if (!failed)
		puts("ok");
	return failed;
}
