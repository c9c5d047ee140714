/* Files kept open from start-up, at high fd numbers. */
#ifndef NSP_ANCHOR_H
#define NSP_ANCHOR_H

#include "base/base.h"

struct nsp_anchor {
	int fd;
	uint64_t dev, ino;
};

void nsp_anchor_open(struct nsp_anchor *a, const char *path, int flags);
/* The fd if it is still the file opened, else -1. */
int nsp_anchor_fd(const struct nsp_anchor *a);

#endif
