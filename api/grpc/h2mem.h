/* nghttp2's memory, from free lists by size (h2mem.c). */
#ifndef PROBITY_H2MEM_H
#define PROBITY_H2MEM_H

#include <nghttp2/nghttp2.h>
#include <stddef.h>

/* For nghttp2_session_server_new3. Every session that uses it must run on
 * one thread (the server's loop), since the lists take no lock. */
nghttp2_mem *h2mem(void);
/* Returns the blocks the lists keep to malloc (at shutdown). */
void h2mem_trim(void);
/* Blocks kept for reuse now, over every size (for tests). */
size_t h2mem_kept(void);

#endif
