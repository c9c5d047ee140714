/* Names people know namespaces by.  `ip netns add NAME` keeps a network
 * namespace alive by bind-mounting its nsfs file at /run/netns/NAME;
 * container runtimes do the same elsewhere.  Such a mount shows in
 * mountinfo with the file system type "nsfs" and the namespace as its
 * root ("net:[4026532177]"), so one read of mountinfo names them all.
 * Processes that live in a namespace are added by the tools, who know
 * which processes to look at. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/fmt.h"
#include "base/proc.h"
#include "base/sort.h"
#include "report/report.h"

#define FIRST_CAP 16

static int add(struct nsp_nsnames *n, struct nsp_arena *a, uint64_t ino,
	       enum nsp_name_kind kind, const char *text)
{
	if (n->n == n->cap) {
		size_t cap = n->cap ? 2 * n->cap : FIRST_CAP;
		struct nsp_nsname *e = nsp_arena_alloc(a, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		if (n->n)
			memcpy(e, n->e, n->n * sizeof(*e));
		n->e = e;
		n->cap = cap;
	}
	n->e[n->n++] = (struct nsp_nsname){ ino, kind, text };
	return 0;
}

/* The next space-separated field of [*p, end); *p moves past it. */
static const char *field(const char **p, const char *end, size_t *len)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*p = s;
	while (*p < end && **p != ' ')
		(*p)++;
	*len = (size_t)(*p - s);
	return s;
}

/* prefix, then a mount point as the kernel escapes it (\040 for a
 * space, \011, \012, \134) decoded, into the arena. */
static char *unescape(struct nsp_arena *a, const char *prefix, const char *s, size_t n)
{
	size_t pl = strlen(prefix);
	char *out = nsp_arena_alloc(a, pl + n + 1), *o = out + pl;

	if (!out)
		return NULL;
	memcpy(out, prefix, pl);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

/* "net:[4026532177]": the inode, or 0. */
static uint64_t root_ino(const char *s, size_t n)
{
	const char *b = memchr(s, '[', n), *end = s + n;
	uint64_t v = 0;

	if (!b || n < 3 || end[-1] != ']')
		return 0;
	b++;
	return nsp_parse_dec(&b, end - 1, &v) > 0 && b == end - 1 ? v : 0;
}

/* Whether mp (after "mount ") is where ip(8) keeps a named namespace. */
static int netns_dir(const char *mp)
{
	static const char *const dirs[] = { "/run/netns/", "/var/run/netns/" };

	for (size_t i = 0; i < NSP_ARRAY_LEN(dirs); i++) {
		size_t k = strlen(dirs[i]);
		if (!strncmp(mp, dirs[i], k) && mp[k] && !strchr(mp + k, '/'))
			return (int)k;
	}
	return 0;
}

/* One line of mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS
 * [OPTIONAL...] - FSTYPE SOURCE SUPER. */
static int line(struct nsp_nsnames *n, struct nsp_arena *a, const char *s, const char *end)
{
	const char *root, *mp, *f;
	size_t rl, ml, fl;
	uint64_t ino;
	char *text;
	int dir;

	field(&s, end, &fl);
	field(&s, end, &fl);
	field(&s, end, &fl);
	root = field(&s, end, &rl);
	mp = field(&s, end, &ml);
	do
		f = field(&s, end, &fl);
	while (fl && !(fl == 1 && *f == '-'));
	f = field(&s, end, &fl);
	if (fl != 4 || memcmp(f, "nsfs", 4) || !(ino = root_ino(root, rl)))
		return 0;
	if (!(text = unescape(a, "mount ", mp, ml)))
		return -ENOMEM;
	if ((dir = netns_dir(text + 6))) {
		/* "ip netns NAME", in place: the name is shorter than the path */
		memmove(text + 9, text + 6 + dir, strlen(text + 6 + dir) + 1);
		memcpy(text, "ip netns ", 9);
	}
	return add(n, a, ino, dir ? NSP_NAME_NETNS : NSP_NAME_MOUNT, text);
}

int nsp_nsnames_parse(struct nsp_nsnames *n, struct nsp_arena *a, const char *text, size_t len)
{
	const char *s, *end;
	int e = 0;

	for (s = text, end = text + len; s < end && !e;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		e = line(n, a, s, nl ? nl : end);
		s = nl ? nl + 1 : end;
	}
	return e;
}

int nsp_nsnames_mounts(struct nsp_nsnames *n, struct nsp_arena *a, pid_t pid)
{
	char *text;
	long len = nsp_proc_slurp(pid, "mountinfo", a, &text);

	return len < 0 ? (int)len : nsp_nsnames_parse(n, a, text, (size_t)len);
}

int nsp_nsnames_add_proc(struct nsp_nsnames *n, struct nsp_arena *a, uint64_t ino, pid_t pid,
			 const char *comm)
{
	char num[NSP_NUM_MAX], *text;
	size_t cl = strnlen(comm, 15), nl;

	for (size_t i = 0; i < n->n; i++)
		if (n->e[i].ino == ino && n->e[i].kind == NSP_NAME_PROC)
			return 0; /* the first process given names it */
	nl = nsp_fmt_dec(num, (uint64_t)pid);
	if (!(text = nsp_arena_alloc(a, 4 + nl + 2 + cl + 2)))
		return -ENOMEM;
	memcpy(text, "pid ", 4);
	memcpy(text + 4, num, nl);
	memcpy(text + 4 + nl, " (", 2);
	memcpy(text + 6 + nl, comm, cl);
	memcpy(text + 6 + nl + cl, ")", 2);
	return add(n, a, ino, NSP_NAME_PROC, text);
}

static int by_ino(const void *x, const void *y)
{
	const struct nsp_nsname *a = x, *b = y;

	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->text < b->text ? -1 : a->text > b->text; /* first made, first */
}

void nsp_nsnames_sort(struct nsp_nsnames *n)
{
	if (n->n > 1)
		nsp_sort(n->e, n->n, sizeof(*n->e), by_ino);
}

const struct nsp_nsname *nsp_nsname_of(const struct nsp_nsnames *n, uint64_t ino)
{
	size_t lo = 0, hi = n ? n->n : 0;

	if (!ino)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n->e[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n && lo < n->n && n->e[lo].ino == ino ? &n->e[lo] : NULL;
}

void nsp_report_name(struct nsp_report *r, struct nsp_arena *a, pid_t at)
{
	struct nsp_nsnames *n;

	if (!r->nspills || !(n = nsp_arena_alloc(a, sizeof(*n))))
		return;
	memset(n, 0, sizeof(*n));
	nsp_nsnames_mounts(n, a, at);
	/* A tool looking at another process: its own mounts too, where
	 * `ip netns` names live when the process is in a container. */
	if (r->pid != getpid())
		nsp_nsnames_mounts(n, a, 0);
	nsp_nsnames_sort(n);
	r->names = n;
}
