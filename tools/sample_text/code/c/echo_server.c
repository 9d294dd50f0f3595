/*
 * echo_server.c - a poll()-based TCP echo server.
 *
 * Usage: ./echo_server [port]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define BUF_SIZE 4096

static int listen_on(unsigned short port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);

    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(port);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    unsigned short port = argc > 1 ? (unsigned short)atoi(argv[1]) : 7007;
    struct pollfd fds[MAX_CLIENTS + 1];
    int nfds = 1;
    char buf[BUF_SIZE];

    int lfd = listen_on(port);
    if (lfd < 0) {
        perror("listen");
        return 1;
    }
    fds[0].fd = lfd;
    fds[0].events = POLLIN;
    printf("echo server listening on port %u\n", port);

    for (;;) {
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            break;
        }

        if (fds[0].revents & POLLIN) {
            struct sockaddr_in peer;
            socklen_t len = sizeof peer;
            int cfd = accept(lfd, (struct sockaddr *)&peer, &len);
            if (cfd >= 0) {
                if (nfds > MAX_CLIENTS) {
                    close(cfd);
                } else {
                    fds[nfds].fd = cfd;
                    fds[nfds].events = POLLIN;
                    fds[nfds].revents = 0;
                    nfds++;
                    printf("client %s:%d connected\n", inet_ntoa(peer.sin_addr), ntohs(peer.sin_port));
                }
            }
        }

        for (int i = 1; i < nfds; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0 || write(fds[i].fd, buf, (size_t)n) != n) {
                close(fds[i].fd);
                fds[i] = fds[nfds - 1];   /* compact the array */
                nfds--;
                i--;
            }
        }
    }
    close(lfd);
    return 0;
}
