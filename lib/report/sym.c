/* Naming raw addresses, only when a report is written.  Module and offset
 * come from the mappings of files (lib/base/proc.c, plain syscalls, so
 * this works in a signal handler); function and file:line from the table
 * namspill-symbolize sent (symproto.c), or from a namer such as lib/dw
 * that the opener attached where allocating is allowed. */
#include <string.h>
#include <unistd.h>

#include "base/proc.h"
#include "report/sym.h"

/* Reports name the same few addresses over and over (every thread of a
 * pool has the same stack): each is resolved once per report. */
#define CACHE_SLOTS 4096

struct cached {
	uintptr_t ip;
	int n;
	struct nsp_frame *f;
};

struct nsp_sym {
	struct nsp_arena *a;
	/* Made at the first frame named: 96 KB to clear, which a report
	 * without a stack to name (a process found uniform) never touches. */
	struct cached *cache;
	int cache_tried;
	struct nsp_map *maps;
	int maps_read; /* maps are read on first need: a helper's answer needs none */
	pid_t pid;
	const struct nsp_symtab *table; /* named by namspill-symbolize */
	struct nsp_namer namer;
};

void nsp_sym_set_table(struct nsp_sym *s, const struct nsp_symtab *t)
{
	if (s)
		s->table = t;
}

void nsp_sym_set_namer(struct nsp_sym *s, const struct nsp_namer *n)
{
	if (s)
		s->namer = *n;
}

struct nsp_sym *nsp_sym_open(struct nsp_arena *a)
{
	return nsp_sym_open_pid(a, 0);
}

/* pid 0: this process. */
struct nsp_sym *nsp_sym_open_pid(struct nsp_arena *a, pid_t pid)
{
	struct nsp_sym *s = nsp_arena_alloc(a, sizeof(*s));

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->a = a;
	s->pid = pid == getpid() ? 0 : pid;
	return s;
}

void nsp_sym_set_maps(struct nsp_sym *s, struct nsp_map *maps)
{
	if (s) {
		s->maps = maps;
		s->maps_read = 1;
	}
}

const struct nsp_map *nsp_sym_maps(struct nsp_sym *s)
{
	if (!s->maps_read) {
		s->maps_read = 1;
		s->maps = nsp_proc_maps(s->pid, s->a);
	}
	return s->maps;
}

static int resolve(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f, int max)
{
	/* ip is a return address: the call is the byte before it. */
	uintptr_t pc = ip ? ip - 1 : 0;
	const struct nsp_map *m, *maps;
	int n;

	memset(f, 0, sizeof(*f));
	f->ip = ip;
	if (!s)
		return 1;
	if (s->table && (n = nsp_symtab_frames(s->table, ip, f, max)) > 0)
		return n;
	maps = nsp_sym_maps(s);
	for (m = maps; m; m = m->next) {
		if (m->path && pc >= m->lo && pc < m->hi) {
			f->module = m->path;
			f->offset = ip - m->base;
			break;
		}
	}
	if (!s->namer.frames)
		return 1;
	return s->namer.frames(s->namer.ctx, maps, m, pc, f, max);
}

/* Only whole chains are kept: a caller asking for fewer frames gets a
 * different first frame (the symbol table's name, no inlining). */
int nsp_sym_frames(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f, int max)
{
	struct cached *c = NULL;
	int n;

	if (s && !s->cache && !s->cache_tried) {
		s->cache_tried = 1;
		s->cache = nsp_arena_alloc(s->a, CACHE_SLOTS * sizeof(*s->cache));
		if (s->cache)
			memset(s->cache, 0, CACHE_SLOTS * sizeof(*s->cache));
	}
	if (s && s->cache && max >= NSP_MAX_INLINE) {
		size_t h = (ip * 0x9e3779b97f4a7c15ull) >> 52, i = h;
		do {
			if (!s->cache[i].f || s->cache[i].ip == ip) {
				c = &s->cache[i];
				break;
			}
			i = (i + 1) % CACHE_SLOTS;
		} while (i != h);
		if (c && c->f) {
			memcpy(f, c->f, (size_t)c->n * sizeof(*f));
			return c->n;
		}
	}
	n = resolve(s, ip, f, max);
	if (c && (c->f = nsp_arena_alloc(s->a, (size_t)n * sizeof(*f)))) {
		memcpy(c->f, f, (size_t)n * sizeof(*f));
		c->ip = ip;
		c->n = n;
	}
	return n;
}

void nsp_sym_frame(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f)
{
	struct nsp_frame all[NSP_MAX_INLINE];

	nsp_sym_frames(s, ip, all, NSP_MAX_INLINE);
	*f = all[0];
}

void nsp_sym_close(struct nsp_sym *s)
{
	if (s && s->namer.close)
		s->namer.close(s->namer.ctx);
}

/* A function's entry (a thread's start routine) is not a return address:
 * undo the step back to the call that nsp_sym_frames takes. */
void nsp_sym_entry(struct nsp_sym *s, uintptr_t addr, struct nsp_frame *f)
{
	nsp_sym_frame(s, addr + 1, f);
	f->ip = addr;
	if (f->module)
		f->offset--;
}
