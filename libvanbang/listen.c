/*
 * listen.c — the listening socket of the HTTP services (listen.h).
 */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int vb_listen(const char *address, unsigned port, char *message, size_t message_size)
{
    char host[64], service[8];
    struct addrinfo hints = {0}, *found = NULL;
    const char *given = strcmp(address, "localhost") == 0 ? "127.0.0.1" : address;
    size_t n = strlen(given);
    if (n >= 2 && given[0] == '[' && given[n - 1] == ']') /* [::1] */
        snprintf(host, sizeof host, "%.*s", (int)(n - 2), given + 1);
    else
        snprintf(host, sizeof host, "%s", given);
    snprintf(service, sizeof service, "%u", port);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    int e = getaddrinfo(host, service, &hints, &found);
    if (e != 0) {
        snprintf(message, message_size, "--listen %s is not an IPv4 or IPv6 address (%s)", address, gai_strerror(e));
        return -1;
    }
    int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int yes = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes) != 0 ||
        bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        snprintf(message, message_size, "cannot listen on %s port %u: %s", address, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    return fd;
}

void vb_socket_name(int fd, char *out, size_t out_size)
{
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    char host[INET6_ADDRSTRLEN] = "?";
    if (getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
        snprintf(out, out_size, "?");
    } else if (address.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&address;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        snprintf(out, out_size, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&address;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(out, out_size, "%s:%u", host, ntohs(in->sin_port));
    }
}
