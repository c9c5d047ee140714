/* Go binaries named from their own pclntab.  Each module is mapped once
 * (its file, or when the file is gone the process's copy through /proc)
 * and its table opened with the module's load bias. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dw/go.h"

#define MAX_MODULES 32

struct module {
	const char *path;
	uintptr_t base;
	void *map;
	size_t len;
	int go; /* -1 not looked at, 0 no Go table, 1 table opened */
	struct nsp_gopcln t;
};

struct nsp_go {
	pid_t pid;
	size_t n;
	struct module m[MAX_MODULES];
};

struct nsp_go *nsp_go_open(struct nsp_arena *a, pid_t pid)
{
	struct nsp_go *g = nsp_arena_alloc(a, sizeof(*g));

	if (g) {
		memset(g, 0, sizeof(*g));
		g->pid = pid;
	}
	return g;
}

/* The module's file: by its path, else (deleted, or another mount
 * namespace) the mapping itself through /proc.  A removed file's path may
 * name another file by now (the binary rebuilt): never opened. */
static int open_module(const struct nsp_go *g, const struct nsp_map *m)
{
	char path[96];
	int fd = m->deleted ? -1 : open(m->path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", g->pid ? g->pid : getpid(),
		 (unsigned long)m->lo, (unsigned long)m->hi);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static struct module *module_of(struct nsp_go *g, const struct nsp_map *m)
{
	struct module *mod;
	struct stat st;
	int fd;

	for (size_t i = 0; i < g->n; i++)
		if (g->m[i].base == m->base && !strcmp(g->m[i].path, m->path))
			return &g->m[i];
	if (g->n == MAX_MODULES)
		return NULL;
	mod = &g->m[g->n++];
	memset(mod, 0, sizeof(*mod));
	mod->path = m->path;
	mod->base = m->base;
	fd = open_module(g, m);
	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0 ||
	    (mod->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		mod->map = NULL;
	} else {
		uintptr_t bias;
		mod->len = (size_t)st.st_size;
		mod->go = !nsp_gopcln_load_bias(mod->map, mod->len, m->base, 0, &bias) &&
			  !nsp_gopcln_open(&mod->t, mod->map, mod->len, bias);
	}
	if (fd >= 0)
		close(fd);
	return mod;
}

const struct nsp_gopcln *nsp_go_table(struct nsp_go *g, const struct nsp_map *maps,
				      const struct nsp_map *m)
{
	struct module *mod = g && m && m->path ? module_of(g, m) : NULL;

	(void)maps;
	return mod && mod->go ? &mod->t : NULL;
}

int nsp_go_frames(struct nsp_go *g, const struct nsp_map *maps, const struct nsp_map *m,
		  uintptr_t pc, struct nsp_frame *f, int max)
{
	const struct nsp_gopcln *t = nsp_go_table(g, maps, m);
	struct nsp_gopcln_loc inl[NSP_MAX_INLINE];
	struct nsp_gopcln_sym sym;
	size_t cap = max > 1 ? (size_t)max - 1 : 0;
	int n = 0;

	if (!t || nsp_gopcln_lookup(t, pc, &sym, inl, cap < NSP_MAX_INLINE ? cap : NSP_MAX_INLINE))
		return 0;
	for (uint32_t i = 0; i < sym.ninl && n < max - 1; i++, n++) {
		f[n] = f[0];
		f[n].function = inl[i].func;
		f[n].file = inl[i].file;
		f[n].line = inl[i].line;
		f[n].inlined = 1;
	}
	f[n] = f[0];
	f[n].function = sym.fn.func;
	f[n].file = sym.fn.file;
	f[n].line = sym.fn.line;
	f[n].inlined = 0;
	return n + 1;
}

void nsp_go_close(struct nsp_go *g)
{
	for (size_t i = 0; g && i < g->n; i++)
		if (g->m[i].map)
			munmap(g->m[i].map, g->m[i].len);
}
