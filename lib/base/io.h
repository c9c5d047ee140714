/* Whole reads and writes of a descriptor, for the one writer (out.c) and
 * every reader of a file. */
#ifndef NSP_IO_H
#define NSP_IO_H

#include "base/base.h"

/* Up to cap bytes, until end of file: the count, or a negative errno. */
ssize_t nsp_read_all(int fd, char *buf, size_t cap);
/* All of s, SIGPIPE kept from the program: 0 or a negative errno. */
int nsp_write_all(int fd, const char *s, size_t n);
/* At start-up: what fds 1 and 2 hold.  Later writes to either go through
 * only while it holds the same file (not closed, not replaced since). */
void nsp_out_check_std(void);

#endif
