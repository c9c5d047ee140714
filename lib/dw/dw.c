/* Function names (static ones too, from .symtab) and file:line with the
 * functions inlined there (from DWARF), through elfutils' libdwfl, loaded
 * privately on first use so it never interposes on the program's own
 * symbols.  libdwfl is told only of the modules the report's addresses
 * fall in, when the first of them is named: its own reading of
 * /proc/PID/maps would go through every thread stack of a large process.
 *
 * Ordinary code: libdw allocates and the loader takes its lock, so this
 * never runs in a signal handler (reports written there ask the
 * namspill-symbolize program, which runs this). */
#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "dw/dw.h"
#include "dw/go.h"
#include "base/proc.h"

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


struct nsp_dw {
	struct nsp_arena *a;
	struct dw fn;
	Dwfl *dwfl;
	int self; /* our own process: dladdr can name what libdw cannot */
	struct nsp_go *go; /* Go binaries, named from their own table */
	char proc[32]; /* "/proc/N" of a live thread of the process */
	const char *exe; /* its executable, if not at PROC/exe */
};

static void dw_close(void *ctx)
{
	struct nsp_dw *d = ctx;

	if (d->dwfl)
		d->fn.end(d->dwfl);
	nsp_go_close(d->go);
}

/* A path that opens the removed file of mapping m, or NULL: the
 * executable when the mapping is of it (its link reads "PATH (deleted)"),
 * else the mapping itself through PROC/map_files, which needs
 * CAP_SYS_ADMIN.  Never m->path: whatever has that name now (the binary
 * rebuilt) is another file. */
static const char *removed_file(struct nsp_dw *d, const struct nsp_map *m)
{
	static const char deleted[] = " (deleted)";
	const size_t dl = sizeof(deleted) - 1, n = strlen(m->path);
	char link[PATH_MAX + sizeof(deleted)], *path = nsp_arena_alloc(d->a, PATH_MAX);
	ssize_t len;

	if (!path)
		return NULL;
	if (d->exe)
		snprintf(path, PATH_MAX, "%s", d->exe);
	else
		snprintf(path, PATH_MAX, "%s/exe", d->proc);
	len = readlink(path, link, sizeof(link) - 1);
	if (len > 0 && (size_t)len == n + dl && !memcmp(link, m->path, n) &&
	    !memcmp(link + n, deleted, dl))
		return path;
	snprintf(path, PATH_MAX, "%s/map_files/%lx-%lx", d->proc, (unsigned long)m->lo,
		 (unsigned long)m->hi);
	return access(path, R_OK) == 0 ? path : NULL;
}

/* The module pc falls in, told to libdwfl the first time: the file's
 * mappings from the first (its base) to the last, as libdwfl's own
 * reading of maps would report it.  NULL if pc is in no file. */
static Dwfl_Module *module_at(struct nsp_dw *d, const struct nsp_map *maps, const struct nsp_map *at)
{
	const struct nsp_map *first = NULL, *m;
	uintptr_t lo = 0, hi = 0;
	const char *file;
	Dwfl_Module *mod;

	for (m = maps; m; m = m->next) {
		if (!m->path || m->base != at->base || strcmp(m->path, at->path))
			continue;
		if (!first)
			first = m, lo = m->lo;
		if (m->hi > hi)
			hi = m->hi;
	}
	if (!first || !(file = first->deleted ? removed_file(d, first) : first->path))
		return NULL;
	/* libdwfl opens the module by this name. */
	d->fn.report_begin_add(d->dwfl);
	mod = d->fn.report_module(d->dwfl, file, lo, hi);
	if (d->fn.report_end(d->dwfl, NULL, NULL) != 0)
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
static demangle_fn load_demangler(struct dw *fn)
{
	void *cxx;

	if (!fn->demangle_tried) {
		fn->demangle_tried = 1;
		fn->demangle = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
		if (!fn->demangle && (cxx = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL)))
			fn->demangle = (demangle_fn)dlsym(cxx, "__cxa_demangle");
	}
	return fn->demangle;
}

static const char *demangled(struct nsp_dw *d, const char *name)
{
	int st = -1;
	char *full;
	const char *r;

	if (!name || strncmp(name, "_Z", 2) || !load_demangler(&d->fn))
		return name;
	full = d->fn.demangle(name, NULL, NULL, &st);
	if (st != 0 || !full)
		return name;
	r = copy_str(d->a, full);
	free(full);
	return r ? r : name;
}

static int have_inline_api(const struct dw *d)
{
	return d->addrdie && d->getscopes && d->getscopes_die && d->tag && d->attr_integrate && d->formstring &&
	       d->formudata && d->getsrcfiles && d->filesrc;
}

/* Name of a subprogram or inlined subroutine (through its abstract
 * origin): the demangled linkage name where there is one. */
static const char *die_name(struct nsp_dw *d, Dwarf_Die *die)
{
	Dwarf_Attribute a;

	if (d->fn.attr_integrate(die, DW_AT_linkage_name, &a) ||
	    d->fn.attr_integrate(die, DW_AT_MIPS_linkage_name, &a))
		return demangled(d, d->fn.formstring(&a));
	if (d->fn.attr_integrate(die, DW_AT_name, &a))
		return d->fn.formstring(&a);
	return NULL;
}

/* Where an inlined subroutine was inlined: DW_AT_call_file/line. */
static void call_site(struct nsp_dw *d, Dwarf_Die *cu, Dwarf_Die *inl,
		      const char **file_out, int *line_out)
{
	Dwarf_Attribute a;
	Dwarf_Word file = 0, line = 0;
	Dwarf_Files *files;
	size_t nfiles;

	*file_out = NULL;
	*line_out = 0;
	if (d->fn.attr_integrate(inl, DW_AT_call_line, &a) && !d->fn.formudata(&a, &line))
		*line_out = (int)line;
	if (d->fn.attr_integrate(inl, DW_AT_call_file, &a) && !d->fn.formudata(&a, &file) &&
	    !d->fn.getsrcfiles(cu, &files, &nfiles) && file < nfiles)
		*file_out = d->fn.filesrc(files, file, NULL, NULL);
}

static int next_function(struct nsp_dw *d, Dwarf_Die *scopes, int n, int i)
{
	for (; i < n; i++) {
		int tag = d->fn.tag(&scopes[i]);
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
static Dwarf_Die *unit_of(struct nsp_dw *d, Dwfl_Module *mod, uintptr_t pc, Dwarf_Die *cu,
			  Dwarf_Addr *bias)
{
	Dwarf *dw;
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (!have_unit_walk(&d->fn) || !(dw = d->fn.getdwarf(mod, bias)))
		return NULL;
	for (; d->fn.nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next)
		if (d->fn.offdie(dw, off + hsize, cu) && d->fn.haspc(cu, pc - *bias) > 0)
			return cu;
	return NULL;
}

/* The unit of pc, by libdw's lookup or else by the walk. */
static Dwarf_Die *unit_at(struct nsp_dw *d, Dwfl_Module *mod, uintptr_t pc, Dwarf_Die *cu,
			  Dwarf_Addr *bias)
{
	Dwarf_Die *die = d->fn.addrdie(mod, pc, bias);

	if (die) {
		*cu = *die;
		return cu;
	}
	return unit_of(d, mod, pc, cu, bias);
}

/* The chain of functions inlined at pc, innermost first, as extra frames
 * (what addr2line -i prints).  f[0] holds module and file:line of pc on
 * entry.  The scopes of pc stop at the innermost inlined instance; the
 * function it was inlined into comes from the scopes of that instance. */
static int inline_chain(struct nsp_dw *d, Dwfl_Module *mod, uintptr_t pc,
			struct nsp_frame *f, int max)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die unit, *cu = unit_at(d, mod, pc, &unit, &bias), *scopes = NULL;
	const char *file = f[0].file;
	int line = f[0].line, n = 0, nscopes, i;

	if (!cu || (nscopes = d->fn.getscopes(cu, pc - bias, &scopes)) <= 0)
		return 1;
	i = next_function(d, scopes, nscopes, 0);
	while (i >= 0 && n < max) {
		Dwarf_Die die = scopes[i];
		int tag = d->fn.tag(&die);

		f[n] = f[0];
		f[n].inlined = 0;
		f[n].function = die_name(d, &die);
		f[n].file = file;
		f[n].line = line;
		n++;
		if (tag == DW_TAG_subprogram)
			break;
		f[n - 1].inlined = 1;
		call_site(d, cu, &die, &file, &line);
		free(scopes);
		scopes = NULL;
		nscopes = d->fn.getscopes_die(&die, &scopes);
		i = nscopes > 1 ? next_function(d, scopes, nscopes, 1) : -1;
	}
	free(scopes);
	return n ? n : 1;
}


static int dw_frames(void *ctx, const struct nsp_map *maps, const struct nsp_map *m,
		     uintptr_t pc, struct nsp_frame *f, int max)
{
	struct nsp_dw *d = ctx;
	Dwfl_Module *mod;
	int n;

	/* Go's own table first: -s -w binaries have nothing else, and
	 * where DWARF is there too it says the same. */
	if ((n = nsp_go_frames(d->go, maps, m, pc, f, max)) > 0)
		return n;
	mod = d->dwfl ? d->fn.addrmodule(d->dwfl, pc) : NULL;
	if (!mod && d->dwfl && m)
		mod = module_at(d, maps, m);
	if (!mod) {
		Dl_info di;
		/* No libdw: exported names at least. */
		if (d->self && dladdr((void *)pc, &di) && di.dli_sname)
			f->function = demangled(d, di.dli_sname);
		return 1;
	}
	{
		GElf_Off off;
		GElf_Sym sym;
		Dwfl_Line *line = d->fn.getsrc(mod, pc);
		int ln = 0;

		f->function = demangled(d, d->fn.addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL));
		if (line) {
			f->file = d->fn.lineinfo(line, NULL, &ln, NULL, NULL, NULL);
			f->line = ln;
		} else {
			Dwarf_Die unit;
			Dwarf_Addr bias = 0;
			Dwarf_Line *l = unit_of(d, mod, pc, &unit, &bias) ?
						d->fn.getsrc_die(&unit, pc - bias) : NULL;
			if (l && d->fn.lineno(l, &ln) == 0) {
				f->file = d->fn.linesrc(l, NULL, NULL);
				f->line = ln;
			}
		}
	}
	if (max < 2 || !have_inline_api(&d->fn))
		return 1;
	{
		const char *symname = f->function;
		n = inline_chain(d, mod, pc, f, max);
		/* The outermost frame is the real function: keep the symbol
		 * table's name if DWARF had none. */
		if (!f[n - 1].function)
			f[n - 1].function = symname;
	}
	return n;
}

struct nsp_sym *nsp_sym_open_dw(struct nsp_arena *a, pid_t pid)
{
	return nsp_sym_open_dw_exe(a, pid, NULL);
}

struct nsp_sym *nsp_sym_open_dw_exe(struct nsp_arena *a, pid_t pid, const char *exe)
{
	struct nsp_sym *s = nsp_sym_open_pid(a, pid);
	struct nsp_dw *d = s ? nsp_arena_alloc(a, sizeof(*d)) : NULL;
	struct nsp_namer n = { dw_frames, dw_close, d };

	/* Not in a setuid (AT_SECURE) process: libdw, through libdebuginfod,
	 * follows the caller's DEBUGINFOD_URLS and DEBUGINFOD_CACHE_PATH with
	 * the program's privileges.  Frames keep module and offset. */
	if (!d || ((pid == 0 || pid == getpid()) && getauxval(AT_SECURE)))
		return s;
	memset(d, 0, sizeof(*d));
	d->a = a;
	d->self = pid == 0 || pid == getpid();
	d->go = nsp_go_open(a, pid);
	/* This thread, for our own process: the main thread may have ended
	 * (a zombie has no files to show); by /proc's number for it, which
	 * differs in a pid namespace with its parent's /proc. */
	snprintf(d->proc, sizeof(d->proc), "/proc/%d", d->self ? (int)nsp_proc_self_tid() : (int)pid);
	d->exe = exe;
	load_dw(&d->fn);
	if (d->fn.begin)
		d->dwfl = d->fn.begin(&d->fn.cb);
	nsp_sym_set_namer(s, &n);
	return s;
}
