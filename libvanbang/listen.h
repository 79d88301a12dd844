/*
 * listen.h — the listening socket of the HTTP services (vanbang-verifier, vanbang-portal).
 */
#ifndef VB_LISTEN_H
#define VB_LISTEN_H

#include <stddef.h>

/* A non-blocking, close-on-exec TCP socket listening on address (a numeric IPv4 or IPv6 address,
 * "[::1]" allowed, "localhost" meaning 127.0.0.1) and port (0: any free one). Returns the
 * descriptor, or -1 with a message naming what failed. */
int vb_listen(const char *address, unsigned port, char *message, size_t message_size);

/* "127.0.0.1:8080" or "[::1]:8080": where a socket is bound ("?" when it cannot be told). */
void vb_socket_name(int fd, char *out, size_t out_size);

#endif
