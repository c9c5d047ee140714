/* Suppressions applied to reports: a file is read once, with plain
 * syscalls into the caller's rules and a scratch mapping (the text), then
 * each report's spills are matched against them.  Suppressed spills stay
 * in the report, marked and counted, and fail nothing. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "report/supp.h"

#define MAX_FILE ((size_t)1 << 20)

struct where {
	const char *path;
};

static void bad_line(void *ctx, size_t line, const char *why, const char *item, size_t n)
{
	const struct where *w = ctx;
	struct nsp_out o;
	size_t k = n < 80 ? n : 80;

	nsp_out_init(&o, 2);
	nsp_out_str(&o, "namspill: ");
	nsp_out_str(&o, w->path);
	nsp_out_str(&o, ":");
	nsp_out_u64(&o, line);
	nsp_out_str(&o, ": ");
	nsp_out_str(&o, why);
	nsp_out_str(&o, " '");
	nsp_out_text_mem(&o, item, k); /* one printable line, whatever the file holds */
	nsp_out_str(&o, n > k ? "...'" : "'");
	nsp_out_str(&o, "; line ignored\n");
	nsp_out_flush(&o);
}

static int cannot(const char *path, int e)
{
	struct nsp_out o;

	nsp_out_init(&o, 2);
	nsp_out_str(&o, "namspill: cannot read suppressions file ");
	nsp_out_str(&o, path);
	nsp_out_str(&o, " (");
	nsp_out_str(&o, e == EFBIG ? "larger than 1 MiB" : e == EINVAL ? "not a regular file" :
			strerrorname_np(e) ? strerrorname_np(e) : "error");
	nsp_out_str(&o, "); no suppressions apply\n");
	nsp_out_flush(&o);
	return -e;
}

int nsp_supp_read(struct nsp_supp *set, const char *path)
{
	struct nsp_arena a;
	struct where w = { path };
	ssize_t n;
	struct stat st;
	/* Never waited on: a FIFO or a terminal would hold up the start of
	 * every process, a device might never end. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (nsp_arena_init(&a, MAX_FILE + 1)) {
		close(fd);
		return -ENOMEM;
	}
	n = nsp_read_all(fd, a.base, MAX_FILE + 1);
	close(fd);
	if (n >= 0 && (size_t)n <= MAX_FILE)
		nsp_supp_parse(set, a.base, (size_t)n, bad_line, &w);
	nsp_arena_fini(&a);
	if (n < 0)
		return (int)n;
	return (size_t)n > MAX_FILE ? -EFBIG : 0;
}

NSP_STARTUP int nsp_supp_load(struct nsp_supp *set, const char *path)
{
	int e = path && *path ? nsp_supp_read(set, path) : 0;

	return e ? cannot(path, -e) : 0;
}

static int stack_matches(const struct nsp_supp *supp, const struct nsp_stack *st,
			 struct nsp_sym *s)
{
	for (uint32_t i = 0; i < st->depth; i++) {
		struct nsp_frame f[NSP_MAX_INLINE];
		int n = nsp_sym_frames(s, st->ip[i], f, NSP_MAX_INLINE);
		for (int k = 0; k < n; k++)
			if (nsp_supp_match(supp, NSP_SUPP_SPILL, f[k].function) ||
			    nsp_supp_match(supp, NSP_SUPP_MODULE, f[k].module))
				return 1;
	}
	return 0;
}

size_t nsp_report_suppress(struct nsp_report *r, struct nsp_sym *s, const struct nsp_supp *rules)
{
	r->nsuppressed = 0;
	for (size_t i = 0; i < r->nspills; i++) {
		struct nsp_spill *sp = &r->spills[i];
		const struct nsp_stack *st = sp->cause ? &sp->cause->stack :
					     sp->creation ? &sp->creation->stack : NULL;
		sp->suppressed = rules && rules->n && st && stack_matches(rules, st, s);
		r->nsuppressed += (size_t)sp->suppressed;
	}
	return r->nspills - r->nsuppressed;
}
