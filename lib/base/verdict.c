/* The verdict: per namespace type, the namespace most threads are in.
 * Pure: no I/O, caller's scratch, so it is unit-tested directly and usable
 * in a signal handler.
 *
 * A tie for the most threads has no majority to go by, so it is settled
 * by what is known of how threads got where they are.  A side where no
 * thread has a recorded switch of the type is where the process started:
 * threads there never moved, while the other side's were moved there by
 * a call the records name.  When that does not decide (records on both
 * sides, or on neither), the main thread's side wins, then the lower
 * inode, so the verdict never depends on the order threads are read in.
 *
 * Records can also outweigh the count.  When the main thread has no
 * recorded switch of a type and every thread of the side that has the
 * most was moved there by a recorded one (its own call or its creator's),
 * the main thread's side is where the process started, and the others
 * are the spills, however many they are: a pool whose workers all
 * entered a namespace and stayed has the workers spilled, not the main
 * thread.  One thread there without a record (a raw system call, a
 * thread made by raw clone), or one whose records took it into the main
 * thread's namespace before (it went there and came back, so main moved
 * unseen), and the count decides, as without records. */
#include <string.h>

#include "base/verdict.h"

struct cell {
	struct namspill_nsid id;
	size_t count;
	int moved; /* a thread here has a recorded switch of the type */
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

static int same(const struct namspill_nsid *a, const struct namspill_nsid *b)
{
	return a && b && a->ino == b->ino && a->dev == b->dev;
}

static int lower(const struct namspill_nsid *a, const struct namspill_nsid *b)
{
	return a->dev != b->dev ? a->dev < b->dev : a->ino < b->ino;
}

/* Of the cells with top threads each, the one the rules pick. */
static struct cell *settle(struct cell *tab, size_t cap, size_t top,
			   const struct namspill_nsid *main_id, int *rule)
{
	struct cell *best = NULL;
	size_t tied = 0, unmoved = 0;

	for (size_t h = 0; h < cap; h++)
		if (tab[h].count == top) {
			tied++;
			unmoved += !tab[h].moved;
		}
	/* Only the unmoved compete, when some moved and some did not. */
	for (size_t h = 0; h < cap; h++) {
		struct cell *c = &tab[h];
		if (c->count != top || (unmoved && unmoved < tied && c->moved))
			continue;
		if (!best || same(&c->id, main_id) ||
		    (!same(&best->id, main_id) && lower(&c->id, &best->id)))
			best = c;
	}
	if (unmoved == 1 && tied > 1)
		*rule = NSP_TIE_UNMOVED;
	else
		*rule = same(&best->id, main_id) ? NSP_TIE_MAIN : NSP_TIE_INODE;
	return best;
}

/* Whether the main thread m, unmoved, is home against best: every thread
 * in best has a recorded switch of type (asked until one has not), and
 * none of them ever entered m's namespace by one.  Threads that went to
 * where main is and came back make best the place they returned to: main
 * then got where it is by a call no record has (a raw system call). */
static int main_is_home(const struct namspill_task *t, size_t n, const struct namspill_task *m,
			const struct nsp_moved *moved, const struct cell *best, int type)
{
	unsigned bit = 1u << type;

	if (!m || !moved || !moved->entered || !best || same(&m->ns[type], &best->id) ||
	    (moved->types(moved, m) & bit))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (same(&t[i].ns[type], &best->id) && !(moved->types(moved, &t[i]) & bit))
			return 0;
	for (size_t i = 0; i < n; i++)
		if (same(&t[i].ns[type], &best->id) && moved->entered(moved, &t[i], type, &m->ns[type]))
			return 0;
	return 1;
}

void nsp_majority(const struct namspill_task *t, size_t n, pid_t main_tid,
		  const struct nsp_moved *moved, struct nsp_verdict *v, void *work)
{
	size_t cap = table_size(n);
	struct cell *tab = work;

	memset(v, 0, sizeof(*v));
	for (int type = 0; type < NAMSPILL_NS_COUNT; type++) {
		const struct namspill_nsid *main_id = NULL;
		const struct namspill_task *main_t = NULL;
		struct cell *best = NULL;
		size_t top = 0, tied = 0;
		int rule = NSP_TIE_NONE;

		memset(tab, 0, cap * sizeof(*tab));
		for (size_t i = 0; i < n; i++) {
			const struct namspill_nsid *id = &t[i].ns[type];
			struct cell *c;
			if (!id->ino)
				continue; /* unreadable entry: no vote */
			c = slot(tab, cap, id);
			c->id = *id;
			c->count++;
			if (t[i].tid == main_tid) {
				main_id = id;
				main_t = &t[i];
			}
		}
		for (size_t h = 0; h < cap; h++) {
			if (tab[h].count > top)
				top = tab[h].count, tied = 0, best = &tab[h];
			tied += tab[h].count && tab[h].count == top;
		}
		if (tied > 1) {
			for (size_t i = 0; moved && i < n; i++) {
				struct cell *c = t[i].ns[type].ino ? slot(tab, cap, &t[i].ns[type]) : NULL;
				if (c && c->count == top && !c->moved &&
				    (moved->types(moved, &t[i]) & (1u << type)))
					c->moved = 1;
			}
			best = settle(tab, cap, top, main_id, &rule);
		}
		if (main_is_home(t, n, main_t, moved, best, type)) {
			best = slot(tab, cap, main_id);
			rule = NSP_HOME_MAIN;
		}
		if (best) {
			v->majority[type] = best->id;
			v->count[type] = best->count;
			v->tie[type] = (unsigned char)rule;
		}
	}
}

int nsp_spilled(const struct namspill_task *t, const struct nsp_verdict *v, int type)
{
	const struct namspill_nsid *id = &t->ns[type], *m = &v->majority[type];

	return id->ino && m->ino && (id->ino != m->ino || id->dev != m->dev);
}

static int spilled_any(const struct namspill_task *t, const struct nsp_verdict *v)
{
	for (int type = 0; type < NAMSPILL_NS_COUNT; type++)
		if (nsp_spilled(t, v, type))
			return 1;
	return 0;
}

/* Every spilled thread is asked.  The others are each in the majority's
 * namespace of every type, so leaving some of them out can only shrink
 * the majority: they are asked, in order, only until in every type those
 * found to count outnumber all the spilled threads elsewhere.  Then
 * however many of the rest would be left out, each majority stays, and
 * so does every spill: with 10,000 threads of which 1,000 spilled, about
 * 2,000 are asked instead of 10,000.  They are asked in batches (each of
 * them one read the caller may share among helpers): all the spilled
 * first, then each time as many others as the count still lacks, which
 * is never more than one by one would ask.  One not asked stays in the
 * count of threads, as it does in a process without spills.  A tie is
 * never settled this way, so then every thread is asked.  A thread left
 * out is marked by its tid negated until the end. */
size_t nsp_leave_out_work(size_t n)
{
	return n * (sizeof(size_t) + 1);
}

/* How many more home threads must count before no type can change. */
static size_t lacking(const struct nsp_verdict *v, const size_t *sure, const size_t *rivals)
{
	size_t need = 0;

	for (int type = 0; type < NAMSPILL_NS_COUNT; type++)
		if (v->majority[type].ino && sure[type] <= rivals[type] &&
		    rivals[type] - sure[type] + 1 > need)
			need = rivals[type] - sure[type] + 1;
	return need;
}

/* The m threads idx names, once asked: those left out (left[j]) are
 * marked so (tid negated) and counted; each type of the others counts for
 * its majority (sure) or against it (rivals).  Returns how many were left
 * out. */
static size_t tally(struct namspill_task *t, const size_t *idx, size_t m,
		    const unsigned char *left, const struct nsp_verdict *v, size_t *sure,
		    size_t *rivals)
{
	size_t out = 0;

	for (size_t j = 0; j < m; j++) {
		struct namspill_task *x = &t[idx[j]];
		if (left[j]) {
			x->tid = -x->tid;
			out++;
			continue;
		}
		for (int type = 0; type < NAMSPILL_NS_COUNT; type++) {
			if (nsp_spilled(x, v, type))
				rivals[type]++;
			else if (x->ns[type].ino)
				sure[type]++;
		}
	}
	return out;
}

size_t nsp_leave_out(struct namspill_task *t, size_t n, const struct nsp_verdict *v,
		     nsp_ask_fn *ask, void *ctx, void *work)
{
	size_t out = 0, k = 0, m = 0, next = 0, need;
	size_t rivals[NAMSPILL_NS_COUNT] = { 0 }, sure[NAMSPILL_NS_COUNT] = { 0 };
	size_t *idx = work;
	unsigned char *left = (unsigned char *)(idx + n);

	for (size_t i = 0; i < n; i++)
		if (spilled_any(&t[i], v))
			idx[m++] = i;
	if (m) {
		ask(ctx, t, idx, m, left);
		out += tally(t, idx, m, left, v, sure, rivals);
	}
	while ((need = lacking(v, sure, rivals))) {
		for (m = 0; next < n && m < need; next++)
			if (!spilled_any(&t[next], v)) /* the spilled were asked above */
				idx[m++] = next;
		if (!m)
			break;
		ask(ctx, t, idx, m, left);
		out += tally(t, idx, m, left, v, sure, rivals);
	}
	for (size_t i = 0; i < n; i++) {
		if (out == n)
			t[i].tid = -t[i].tid; /* all: judged as read */
		else if (t[i].tid > 0)
			t[k++] = t[i];
	}
	return out && out < n ? k : n;
}

const char *nsp_tie_name(int tie)
{
	static const char *const names[] = { NULL, "unmoved", "main_thread", "lower_inode",
					     "main_unmoved" };

	return tie > 0 && (size_t)tie < NSP_ARRAY_LEN(names) ? names[tie] : NULL;
}
