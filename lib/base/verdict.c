/* The verdict: per namespace type, the namespace most threads are in.
 * A tie goes to the main thread's namespace.  Pure: no I/O, caller's
 * scratch, so it is unit-tested directly and usable in a signal handler. */
#include <string.h>

#include "base/verdict.h"

struct cell {
	struct namspill_nsid id;
	size_t count;
};

static size_t table_size(size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap <<= 1;
	return cap;
}

size_t nsp_majority_work(size_t n)
{
	return table_size(n) * sizeof(struct cell);
}

static struct cell *slot(struct cell *tab, size_t cap, const struct namspill_nsid *id)
{
	size_t h = (size_t)((id->ino * 0x9e3779b97f4a7c15ull) ^ id->dev) & (cap - 1);

	while (tab[h].count && (tab[h].id.ino != id->ino || tab[h].id.dev != id->dev))
		h = (h + 1) & (cap - 1);
	return &tab[h];
}

void nsp_majority(const struct namspill_task *t, size_t n, pid_t main_tid,
		  struct nsp_verdict *v, void *work)
{
	size_t cap = table_size(n);
	struct cell *tab = work;

	memset(v, 0, sizeof(*v));
	for (int type = 0; type < NAMSPILL_NS_COUNT; type++) {
		const struct namspill_nsid *main_id = NULL;
		struct cell *best = NULL;

		memset(tab, 0, cap * sizeof(*tab));
		for (size_t i = 0; i < n; i++) {
			const struct namspill_nsid *id = &t[i].ns[type];
			struct cell *c;
			if (!id->ino)
				continue; /* unreadable entry: no vote */
			c = slot(tab, cap, id);
			c->id = *id;
			c->count++;
			if (t[i].tid == main_tid)
				main_id = id;
		}
		for (size_t h = 0; h < cap; h++) {
			struct cell *c = &tab[h];
			if (!c->count)
				continue;
			if (!best || c->count > best->count ||
			    (c->count == best->count && main_id &&
			     c->id.ino == main_id->ino && c->id.dev == main_id->dev))
				best = c;
		}
		if (best) {
			v->majority[type] = best->id;
			v->count[type] = best->count;
		}
	}
}

int nsp_spilled(const struct namspill_task *t, const struct nsp_verdict *v, int type)
{
	const struct namspill_nsid *id = &t->ns[type], *m = &v->majority[type];

	return id->ino && m->ino && (id->ino != m->ino || id->dev != m->dev);
}
