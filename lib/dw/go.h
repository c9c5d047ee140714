/* Naming Go code from its pclntab (lib/base/gopcln.c): function, file:line
 * and inlined calls of binaries that have nothing else (`go test` links
 * with -s -w).  Ordinary code: files are mapped and kept per module. */
#ifndef NSP_GO_H
#define NSP_GO_H

#include "base/gopcln.h"
#include "base/proc.h"
#include "report/sym.h"

struct nsp_go;
/* For process pid (0: this one); the modules are opened on first need. */
struct nsp_go *nsp_go_open(struct nsp_arena *a, pid_t pid);
/* The table of the module mapped at m, or NULL if it is no Go binary. */
const struct nsp_gopcln *nsp_go_table(struct nsp_go *g, const struct nsp_map *maps,
				      const struct nsp_map *m);
/* Names pc (a call's address) in m as a namer does (f[0] holds module and
 * offset): how many frames, or 0 if m is no Go binary or pc in none of
 * its functions. */
int nsp_go_frames(struct nsp_go *g, const struct nsp_map *maps, const struct nsp_map *m,
		  uintptr_t pc, struct nsp_frame *f, int max);
void nsp_go_close(struct nsp_go *g);

#endif
