/* Namespaces of the tree's spills named by the other processes of the
 * tree that live in them ("pid 4242 (sleep)"), where a report left one
 * unnamed: the processes' own reports name only what mountinfo does.
 * What each process lived in comes from its report (the majority) or,
 * for a process judged without one, from what the supervisor read. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int type_index(const char *name)
{
	for (int t = 0; name && t < NAMSPILL_NS_COUNT; t++)
		if (!strcmp(nsp_ns_names[t], name))
			return t;
	return -1;
}

/* Its namespaces from its report, where the supervisor read none. */
static void from_report(struct proc *p)
{
	const struct jv *maj = json_get(p->rep, "majority");
	const char *comm = json_str(p->rep, "comm");

	if (comm && !p->comm[0])
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	for (int t = 0; t < NAMSPILL_NS_COUNT && maj && maj->t == J_OBJ; t++)
		if (!p->ns[t])
			p->ns[t] = (uint64_t)json_int(maj, nsp_ns_names[t], 0);
}

/* The first process but self that lives in namespace ino of type. */
static const struct proc *dweller(const struct procs *ps, const struct proc *self, int type,
				  uint64_t ino)
{
	for (size_t i = 0; ino && type >= 0 && i < ps->n; i++)
		if (&ps->p[i] != self && ps->p[i].ns[type] == ino)
			return &ps->p[i];
	return NULL;
}

/* namspill's own namespaces, where the command started (0: unknown). */
static uint64_t own[NAMSPILL_NS_COUNT];

/* o[name] = "where namspill runs" if it is null and o[key] is namspill's
 * own namespace, else "pid N (comm)" if a process lives in o[key]. */
static int name(const struct procs *ps, const struct proc *self, struct jv *o, int type,
		const char *key, const char *name_key)
{
	struct jv *n = (struct jv *)json_get(o, name_key);
	uint64_t ino = (uint64_t)json_int(o, key, 0);
	const struct proc *q = NULL;
	char text[64];

	if (!n || n->t != J_NULL || !ino || type < 0 ||
	    (own[type] != ino && !(q = dweller(ps, self, type, ino))))
		return 0;
	if (!q)
		snprintf(text, sizeof(text), "where namspill runs");
	else
		snprintf(text, sizeof(text), "pid %d (%s)", (int)q->pid, q->comm[0] ? q->comm : "?");
	n->t = J_STR;
	n->str = cli_strdup(text);
	return 1;
}

static int name_spill(const struct procs *ps, const struct proc *p, struct jv *s)
{
	int type = type_index(json_str(s, "type")), changed = 0;
	struct jv *h = (struct jv *)json_get(s, "history");
	struct jv *fa = (struct jv *)json_get(s, "failed_attempts");

	changed |= name(ps, p, s, type, "inode", "name");
	changed |= name(ps, p, s, type, "majority_inode", "majority_name");
	for (size_t i = 0; h && h->t == J_ARR && i < h->n; i++) {
		changed |= name(ps, p, &h->v[i], type, "inode", "name");
		changed |= name(ps, p, &h->v[i], type, "from", "from_name");
	}
	for (size_t i = 0; fa && fa->t == J_ARR && i < fa->n; i++) {
		struct jv *t = (struct jv *)json_get(&fa->v[i], "target");
		if (t && t->t == J_OBJ)
			changed |= name(ps, p, t, type_index(json_str(t, "type")), "inode", "name");
	}
	return changed;
}

void cli_name_tree(struct procs *ps)
{
	cli_proc_ns_all(getpid(), own);
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].rep)
			from_report(&ps->p[i]);
	for (size_t i = 0; i < ps->n; i++) {
		struct proc *p = &ps->p[i];
		struct jv *spills = (struct jv *)json_get(p->rep, "spills");
		int changed = 0;
		char *text = NULL;
		size_t len = 0;
		FILE *f;
		for (size_t j = 0; spills && spills->t == J_ARR && j < spills->n; j++)
			changed |= name_spill(ps, p, &spills->v[j]);
		/* The report's text, written anew with them. */
		if (changed && (f = open_memstream(&text, &len))) {
			json_write(f, p->rep);
			if (fclose(f) == 0) {
				free(p->raw);
				p->raw = text;
			}
		}
	}
}
