// SPDX-License-Identifier: GPL-2.0
/*
 * connrate: the connection fast path (SYN, final ACK, accept) as a rate.
 *
 * L SO_REUSEPORT listeners on 127.0.0.1, one accept thread each (accept,
 * close), and C client threads looping connect, wait for the server's FIN,
 * close with SO_LINGER 0 (a RST: no TIME_WAIT, so ports never run out).
 * After a warm-up second, connections completed in SECONDS are counted.
 *
 * Usage: connrate [-l LISTENERS] [-c CLIENTS] [-t SECONDS] [-p PORT]
 * Prints "conns=... seconds=... rate=... errors=..."
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 32

static int port = 9191;
static atomic_bool counting, stop;
static atomic_long conns, errors;

static struct sockaddr_in loopback(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static void *server(void *arg)
{
	int lfd = (long)arg;

	for (;;) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0) {
			if (errno == EINVAL || errno == EBADF)
				return NULL;
			continue;
		}
		close(c);
	}
}

static void *client(void *arg)
{
	struct sockaddr_in dst = loopback();
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	char b;

	(void)arg;
	while (!atomic_load(&stop)) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			atomic_fetch_add(&errors, 1);
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (recv(fd, &b, 1, 0) != 0)
			atomic_fetch_add(&errors, 1);
		else if (atomic_load(&counting))
			atomic_fetch_add(&conns, 1);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
		close(fd);
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int nl = 2, nc = 2, seconds = 5, opt, i, one = 1;
	pthread_t srv[MAX_THREADS], cli[MAX_THREADS];
	int lfd[MAX_THREADS];
	double t0, t1;

	while ((opt = getopt(argc, argv, "l:c:t:p:")) != -1) {
		switch (opt) {
		case 'l': nl = atoi(optarg); break;
		case 'c': nc = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-l N] [-c N] [-t S] [-p PORT]\n", argv[0]);
			return 2;
		}
	}
	if (nl < 1 || nl > MAX_THREADS || nc < 1 || nc > MAX_THREADS || seconds < 1)
		return 2;
	for (i = 0; i < nl; i++) {
		struct sockaddr_in sin = loopback();

		lfd[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (lfd[i] < 0 || setsockopt(lfd[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
		    bind(lfd[i], (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd[i], 1024)) {
			perror("listener");
			return 1;
		}
		pthread_create(&srv[i], NULL, server, (void *)(long)lfd[i]);
	}
	for (i = 0; i < nc; i++)
		pthread_create(&cli[i], NULL, client, NULL);
	sleep(1);
	t0 = now();
	atomic_store(&counting, 1);
	sleep(seconds);
	atomic_store(&counting, 0);
	t1 = now();
	atomic_store(&stop, 1);
	for (i = 0; i < nc; i++)
		pthread_join(cli[i], NULL);
	for (i = 0; i < nl; i++) {
		shutdown(lfd[i], SHUT_RDWR);
		pthread_join(srv[i], NULL);
		close(lfd[i]);
	}
	printf("conns=%ld seconds=%.3f rate=%.1f errors=%ld\n", atomic_load(&conns), t1 - t0,
	       atomic_load(&conns) / (t1 - t0), atomic_load(&errors));
	return 0;
}
