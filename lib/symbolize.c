/* Naming raw addresses, only when a report is written.  Module and offset
 * come from the mappings of files (proc.c, with plain syscalls, so this
 * part works in a signal handler).  Function names, including static
 * functions from .symtab, and file:line from DWARF come from elfutils
 * libdwfl, loaded privately on first use like libunwind.  libdwfl is told
 * only of the modules the report's addresses fall in, when the first of
 * them is named: its own reading of /proc/PID/maps would go through every
 * thread stack of a large process. */
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsp.h"

struct dw {
	Dwfl *(*begin)(const Dwfl_Callbacks *);
	void (*report_begin_add)(Dwfl *);
	Dwfl_Module *(*report_module)(Dwfl *, const char *, Dwarf_Addr, Dwarf_Addr);
	int (*report_end)(Dwfl *, void *, void *);
	Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
	const char *(*addrinfo)(Dwfl_Module *, GElf_Addr, GElf_Off *, GElf_Sym *,
				GElf_Word *, Elf **, Dwarf_Addr *);
	Dwfl_Line *(*getsrc)(Dwfl_Module *, Dwarf_Addr);
	const char *(*lineinfo)(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *,
				Dwarf_Word *);
	void (*end)(Dwfl *);
	Dwarf_Die *(*addrdie)(Dwfl_Module *, Dwarf_Addr, Dwarf_Addr *);
	int (*getscopes)(Dwarf_Die *, Dwarf_Addr, Dwarf_Die **);
	int (*getscopes_die)(Dwarf_Die *, Dwarf_Die **);
	int (*tag)(Dwarf_Die *);
	Dwarf_Attribute *(*attr_integrate)(Dwarf_Die *, unsigned int, Dwarf_Attribute *);
	const char *(*formstring)(Dwarf_Attribute *);
	int (*formudata)(Dwarf_Attribute *, Dwarf_Word *);
	int (*getsrcfiles)(Dwarf_Die *, Dwarf_Files **, size_t *);
	const char *(*filesrc)(Dwarf_Files *, size_t, Dwarf_Word *, Dwarf_Word *);
	/* For DWARF without .debug_aranges (clang's default), which libdw
	 * before 0.192 cannot map an address to a unit without: */
	Dwarf *(*getdwarf)(Dwfl_Module *, Dwarf_Addr *);
	int (*nextcu)(Dwarf *, Dwarf_Off, Dwarf_Off *, size_t *, Dwarf_Off *, uint8_t *, uint8_t *);
	Dwarf_Die *(*offdie)(Dwarf *, Dwarf_Off, Dwarf_Die *);
	int (*haspc)(Dwarf_Die *, Dwarf_Addr);
	Dwarf_Line *(*getsrc_die)(Dwarf_Die *, Dwarf_Addr);
	int (*lineno)(Dwarf_Line *, int *);
	const char *(*linesrc)(Dwarf_Line *, Dwarf_Word *, Dwarf_Word *);
	Dwfl_Callbacks cb;
	char *(*demangle)(const char *, char *, size_t *, int *);
	int demangle_tried;
};

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
	struct cached *cache;
	struct nsp_map *maps;
	int maps_read; /* maps are read on first need: a helper's answer needs none */
	pid_t pid;
	struct dw dw;
	Dwfl *dwfl;
	int full;
	int self; /* our own process: dladdr can name what libdw cannot */
	const struct nsp_symtab *table; /* named by namspill-symbolize */
};

void nsp_sym_set_table(struct nsp_sym *s, const struct nsp_symtab *t)
{
	if (s)
		s->table = t;
}

static void load_dw(struct dw *d)
{
	void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return;
#define SYM(field, name) (*(void **)&d->field = dlsym(h, name))
	SYM(begin, "dwfl_begin");
	SYM(report_begin_add, "dwfl_report_begin_add");
	SYM(report_module, "dwfl_report_module");
	SYM(report_end, "dwfl_report_end");
	SYM(addrmodule, "dwfl_addrmodule");
	SYM(addrinfo, "dwfl_module_addrinfo");
	SYM(getsrc, "dwfl_module_getsrc");
	SYM(lineinfo, "dwfl_lineinfo");
	SYM(end, "dwfl_end");
	SYM(addrdie, "dwfl_module_addrdie");
	SYM(getscopes, "dwarf_getscopes");
	SYM(getscopes_die, "dwarf_getscopes_die");
	SYM(tag, "dwarf_tag");
	SYM(attr_integrate, "dwarf_attr_integrate");
	SYM(formstring, "dwarf_formstring");
	SYM(formudata, "dwarf_formudata");
	SYM(getsrcfiles, "dwarf_getsrcfiles");
	SYM(filesrc, "dwarf_filesrc");
	SYM(getdwarf, "dwfl_module_getdwarf");
	SYM(nextcu, "dwarf_nextcu");
	SYM(offdie, "dwarf_offdie");
	SYM(haspc, "dwarf_haspc");
	SYM(getsrc_die, "dwarf_getsrc_die");
	SYM(lineno, "dwarf_lineno");
	SYM(linesrc, "dwarf_linesrc");
	SYM(cb.find_elf, "dwfl_linux_proc_find_elf");
	SYM(cb.find_debuginfo, "dwfl_standard_find_debuginfo");
#undef SYM
	if (!d->begin || !d->report_begin_add || !d->report_module || !d->report_end || !d->addrmodule ||
	    !d->addrinfo || !d->getsrc || !d->lineinfo || !d->end ||
	    !d->cb.find_elf || !d->cb.find_debuginfo)
		d->begin = NULL;
}

struct nsp_sym *nsp_sym_open(struct nsp_arena *a, int full)
{
	return nsp_sym_open_pid(a, 0, full);
}

/* pid 0: this process. */
struct nsp_sym *nsp_sym_open_pid(struct nsp_arena *a, pid_t pid, int full)
{
	struct nsp_sym *s = nsp_arena_alloc(a, sizeof(*s));

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->a = a;
	s->self = pid == 0 || pid == getpid();
	if (s->self)
		pid = getpid();
	s->pid = s->self ? 0 : pid;
	s->full = full;
	s->cache = nsp_arena_alloc(a, CACHE_SLOTS * sizeof(*s->cache));
	if (s->cache)
		memset(s->cache, 0, CACHE_SLOTS * sizeof(*s->cache));
	if (!full)
		return s;
	load_dw(&s->dw);
	if (s->dw.begin)
		s->dwfl = s->dw.begin(&s->dw.cb);
	return s;
}

static const struct nsp_map *maps_of(struct nsp_sym *s)
{
	if (!s->maps_read) {
		s->maps_read = 1;
		s->maps = nsp_proc_maps(s->pid, s->a);
	}
	return s->maps;
}

/* The module pc falls in, told to libdwfl the first time: the file's
 * mappings from the first (its base) to the last, as libdwfl's own
 * reading of maps would report it.  NULL if pc is in no file. */
static Dwfl_Module *module_at(struct nsp_sym *s, const struct nsp_map *at)
{
	const struct nsp_map *first = NULL, *m;
	uintptr_t lo = 0, hi = 0;
	Dwfl_Module *mod;

	for (m = maps_of(s); m; m = m->next) {
		if (!m->path || m->base != at->base || strcmp(m->path, at->path))
			continue;
		if (!first)
			first = m, lo = m->lo;
		if (m->hi > hi)
			hi = m->hi;
	}
	if (!first)
		return NULL;
	s->dw.report_begin_add(s->dwfl);
	mod = s->dw.report_module(s->dwfl, first->path, lo, hi);
	if (s->dw.report_end(s->dwfl, NULL, NULL) != 0)
		return NULL;
	return mod;
}

static const char *copy_str(struct nsp_arena *a, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	char *p = src ? nsp_arena_alloc(a, n + 1) : NULL;

	if (p)
		memcpy(p, src, n + 1);
	return p;
}

typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

/* The C++ runtime's demangler, on the first mangled name: a C++ program
 * that uses nothing of libstdc++ does not have it loaded, and neither
 * does namspill-symbolize. */
static demangle_fn load_demangler(struct dw *d)
{
	void *cxx;

	if (!d->demangle_tried) {
		d->demangle_tried = 1;
		d->demangle = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
		if (!d->demangle && (cxx = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL)))
			d->demangle = (demangle_fn)dlsym(cxx, "__cxa_demangle");
	}
	return d->demangle;
}

static const char *demangled(struct nsp_sym *s, const char *name)
{
	int st = -1;
	char *d;
	const char *r;

	if (!name || strncmp(name, "_Z", 2) || !load_demangler(&s->dw))
		return name;
	d = s->dw.demangle(name, NULL, NULL, &st);
	if (st != 0 || !d)
		return name;
	r = copy_str(s->a, d);
	free(d);
	return r ? r : name;
}

static int have_inline_api(const struct dw *d)
{
	return d->addrdie && d->getscopes && d->getscopes_die && d->tag && d->attr_integrate && d->formstring &&
	       d->formudata && d->getsrcfiles && d->filesrc;
}

/* Name of a subprogram or inlined subroutine (through its abstract
 * origin): the demangled linkage name where there is one. */
static const char *die_name(struct nsp_sym *s, Dwarf_Die *die)
{
	Dwarf_Attribute a;

	if (s->dw.attr_integrate(die, DW_AT_linkage_name, &a) ||
	    s->dw.attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
		return demangled(s, s->dw.formstring(&a));
	if (s->dw.attr_integrate(die, DW_AT_name, &a))
		return s->dw.formstring(&a);
	return NULL;
}

/* Where an inlined subroutine was inlined: DW_AT_call_file/line. */
static void call_site(struct nsp_sym *s, Dwarf_Die *cu, Dwarf_Die *inl,
		      const char **file_out, int *line_out)
{
	Dwarf_Attribute a;
	Dwarf_Word file = 0, line = 0;
	Dwarf_Files *files;
	size_t nfiles;

	*file_out = NULL;
	*line_out = 0;
	if (s->dw.attr_integrate(inl, DW_AT_call_line, &a) && !s->dw.formudata(&a, &line))
		*line_out = (int)line;
	if (s->dw.attr_integrate(inl, DW_AT_call_file, &a) && !s->dw.formudata(&a, &file) &&
	    !s->dw.getsrcfiles(cu, &files, &nfiles) && file < nfiles)
		*file_out = s->dw.filesrc(files, file, NULL, NULL);
}

static int next_function(struct nsp_sym *s, Dwarf_Die *scopes, int n, int i)
{
	for (; i < n; i++) {
		int tag = s->dw.tag(&scopes[i]);
		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram)
			return i;
	}
	return -1;
}

static int have_unit_walk(const struct dw *d)
{
	return d->getdwarf && d->nextcu && d->offdie && d->haspc && d->getsrc_die && d->lineno &&
	       d->linesrc;
}

/* The unit whose code holds pc, found by walking every unit: where the
 * module's DWARF has no .debug_aranges, libdw's own lookup (addrdie,
 * getsrc) finds none.  cu is filled in; NULL if no unit has pc. */
static Dwarf_Die *unit_of(struct nsp_sym *s, Dwfl_Module *mod, uintptr_t pc, Dwarf_Die *cu,
			  Dwarf_Addr *bias)
{
	Dwarf *dw;
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (!have_unit_walk(&s->dw) || !(dw = s->dw.getdwarf(mod, bias)))
		return NULL;
	for (; s->dw.nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next)
		if (s->dw.offdie(dw, off + hsize, cu) && s->dw.haspc(cu, pc - *bias) > 0)
			return cu;
	return NULL;
}

/* The unit of pc, by libdw's lookup or else by the walk. */
static Dwarf_Die *unit_at(struct nsp_sym *s, Dwfl_Module *mod, uintptr_t pc, Dwarf_Die *cu,
			  Dwarf_Addr *bias)
{
	Dwarf_Die *d = s->dw.addrdie(mod, pc, bias);

	if (d) {
		*cu = *d;
		return cu;
	}
	return unit_of(s, mod, pc, cu, bias);
}

/* The chain of functions inlined at pc, innermost first, as extra frames
 * (what addr2line -i prints).  f[0] holds module and file:line of pc on
 * entry.  The scopes of pc stop at the innermost inlined instance; the
 * function it was inlined into comes from the scopes of that instance. */
static int inline_chain(struct nsp_sym *s, Dwfl_Module *mod, uintptr_t pc,
			struct nsp_frame *f, int max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die unit, *cu = unit_at(s, mod, pc, &unit, &bias), *scopes = NULL;
	const char *file = f[0].file;
	int line = f[0].line, n = 0, nscopes, i;

	if (!cu || (nscopes = s->dw.getscopes(cu, pc - bias, &scopes)) <= 0)
		return 1;
	i = next_function(s, scopes, nscopes, 0);
	while (i >= 0 && n < max) {
		Dwarf_Die die = scopes[i];
		int tag = s->dw.tag(&die);

		f[n] = f[0];
		f[n].inlined = 0;
		f[n].function = die_name(s, &die);
		f[n].file = file;
		f[n].line = line;
		n++;
		if (tag == DW_TAG_subprogram)
			break;
		f[n - 1].inlined = 1;
		call_site(s, cu, &die, &file, &line);
		free(scopes);
		scopes = NULL;
		nscopes = s->dw.getscopes_die(&die, &scopes);
		i = nscopes > 1 ? next_function(s, scopes, nscopes, 1) : -1;
	}
	free(scopes);
	return n ? n : 1;
}

static int resolve(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f, int max)
{
	/* ip is a return address: the call is the byte before it. */
	uintptr_t pc = ip ? ip - 1 : 0;
	const struct nsp_map *m;
	Dwfl_Module *mod;
	int n;

	memset(f, 0, sizeof(*f));
	f->ip = ip;
	if (!s)
		return 1;
	if (s->table && (n = nsp_symtab_frames(s->table, ip, f, max)) > 0)
		return n;
	for (m = maps_of(s); m; m = m->next) {
		if (m->path && pc >= m->lo && pc < m->hi) {
			f->module = m->path;
			f->offset = ip - m->base;
			break;
		}
	}
	mod = s->dwfl ? s->dw.addrmodule(s->dwfl, pc) : NULL;
	if (!mod && s->dwfl && m)
		mod = module_at(s, m);
	if (!mod) {
		Dl_info di;
		/* No libdw: exported names at least. */
		if (s->full && s->self && dladdr((void *)pc, &di) && di.dli_sname)
			f->function = demangled(s, di.dli_sname);
		return 1;
	}
	{
		GElf_Off off;
		GElf_Sym sym;
		Dwfl_Line *line = s->dw.getsrc(mod, pc);
		int ln = 0;

		f->function = demangled(s, s->dw.addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL));
		if (line) {
			f->file = s->dw.lineinfo(line, NULL, &ln, NULL, NULL, NULL);
			f->line = ln;
		} else {
			Dwarf_Die unit;
			Dwarf_Addr bias = 0;
			Dwarf_Line *l = unit_of(s, mod, pc, &unit, &bias) ?
						s->dw.getsrc_die(&unit, pc - bias) : NULL;
			if (l && s->dw.lineno(l, &ln) == 0) {
				f->file = s->dw.linesrc(l, NULL, NULL);
				f->line = ln;
			}
		}
	}
	if (max < 2 || !have_inline_api(&s->dw))
		return 1;
	{
		const char *symname = f->function;
		n = inline_chain(s, mod, pc, f, max);
		/* The outermost frame is the real function: keep the symbol
		 * table's name if DWARF had none. */
		if (!f[n - 1].function)
			f[n - 1].function = symname;
	}
	return n;
}

/* Only whole chains are kept: a caller asking for fewer frames gets a
 * different first frame (the symbol table's name, no inlining). */
int nsp_sym_frames(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f, int max)
{
	struct cached *c = NULL;
	int n;

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
	if (s && s->dwfl)
		s->dw.end(s->dwfl);
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
