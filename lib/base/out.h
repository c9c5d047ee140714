/* Output without malloc or stdio: a fixed buffer flushed with write(2). */
#ifndef NSP_OUT_H
#define NSP_OUT_H

#include "base/base.h"

struct nsp_out {
	int fd;
	int err; /* first errno seen, 0 if all written */
	size_t len;
	/* Set by nsp_out_init_sink: where full buffers go instead of fd. */
	void (*sink)(void *ctx, const char *s, size_t n);
	void *ctx;
	char buf[4096];
};

void nsp_out_init(struct nsp_out *o, int fd);
/* Output handed to sink (a tool's stdio stream, say) rather than an fd. */
void nsp_out_init_sink(struct nsp_out *o, void (*sink)(void *ctx, const char *s, size_t n),
		       void *ctx);
void nsp_out_str(struct nsp_out *o, const char *s);
void nsp_out_mem(struct nsp_out *o, const char *s, size_t n);
void nsp_out_u64(struct nsp_out *o, uint64_t v);
void nsp_out_i64(struct nsp_out *o, int64_t v);
void nsp_out_hex(struct nsp_out *o, uint64_t v);
/* Length of the valid UTF-8 sequence at s (of at most left bytes; 1 for
 * ASCII), 0 if there is none: the one UTF-8 check of every writer. */
size_t nsp_utf8_len(const unsigned char *s, size_t left);
/* A name from the program for people: UTF-8 kept, control bytes (C0,
 * DEL, C1) and bytes that are not UTF-8 as \xHH. */
void nsp_out_text(struct nsp_out *o, const char *s);
void nsp_out_text_mem(struct nsp_out *o, const char *s, size_t n);
void nsp_out_json_str(struct nsp_out *o, const char *s); /* quoted, or null */
void nsp_out_json_mem(struct nsp_out *o, const char *s, size_t n);
void nsp_out_json_strv(struct nsp_out *o, const char *buf, size_t len);
int nsp_out_flush(struct nsp_out *o);
void nsp_msg(const char *a, const char *b, const char *c);

#endif
