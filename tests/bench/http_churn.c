// SPDX-License-Identifier: GPL-2.0
/*
 * http_churn: HTTP load that opens a new connection for every request and
 * classifies every failure.
 *
 * Each client thread loops: socket, connect, "GET / HTTP/1.0", read to EOF,
 * close.  A request is ok when the whole response arrived (status 200 and
 * the body named by Content-Length); otherwise it is counted as refused
 * (connect: ECONNREFUSED), reset (ECONNRESET/EPIPE at any step), timeout (no
 * byte for IO_TIMEOUT_MS, 10 s), short (EOF before the whole response) or other.
 *
 * Usage: http_churn [-6] [-p PORT] [-c CLIENTS] [-t SECONDS]
 * Runs until SECONDS pass or SIGINT/SIGTERM arrives, then prints one line
 * "requests=... ok=... refused=... reset=... timeout=... short=... other=... max_ms=..."
 * where max_ms is the slowest successful request.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "loopback.h"

#define MAX_CLIENTS	64
#define IO_TIMEOUT_MS	10000

static int family = AF_INET;
static int port = 8080;
static int nr_clients = 8;
static int seconds = 3600;

static atomic_bool stop;
static atomic_long st_ok, st_refused, st_reset, st_timeout, st_short, st_other;
static atomic_long max_us;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, 1);
}

static void count_errno(int err, const char *what)
{
	if (err == ECONNREFUSED)
		atomic_fetch_add(&st_refused, 1);
	else if (err == ECONNRESET || err == EPIPE)
		atomic_fetch_add(&st_reset, 1);
	else if (atomic_fetch_add(&st_other, 1) < 3)
		fprintf(stderr, "http_churn: %s: %s\n", what, strerror(err));
}

/* A complete response: status 200 and Content-Length bytes of body. */
static int complete(const char *buf, int len)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	const char *cl = memmem(buf, len, "Content-Length:", 15);

	if (len < 12 || memcmp(buf + 9, "200", 3) || !end || !cl)
		return 0;
	return len - (end + 4 - buf) == atoi(cl + 15);
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static void one_request(void)
{
	long t0 = now_us(), us, max;
	static const char req[] = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";
	struct sockaddr_storage ss;
	socklen_t len = loopback_addr(&ss, family, port);
	char buf[2048];
	int fd, n, got = 0;

	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0) {
		count_errno(errno, "socket");
		return;
	}
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		count_errno(errno, "connect");
		goto out;
	}
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != sizeof(req) - 1) {
		count_errno(errno, "send");
		goto out;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, IO_TIMEOUT_MS) <= 0) {
			atomic_fetch_add(&st_timeout, 1);
			goto out;
		}
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n < 0) {
			count_errno(errno, "recv");
			goto out;
		}
		if (n == 0)
			break;
		got += n;
		if (got == (int)sizeof(buf) - 1)
			break;
	}
	if (complete(buf, got)) {
		atomic_fetch_add(&st_ok, 1);
		us = now_us() - t0;
		max = atomic_load(&max_us);
		while (us > max && !atomic_compare_exchange_weak(&max_us, &max, us))
			;
	} else
		atomic_fetch_add(&st_short, 1);
out:
	close(fd);
}

static void *client(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		one_request();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[MAX_CLIENTS];
	struct timespec t0, t1;
	int opt, i;

	while ((opt = getopt(argc, argv, "6p:c:t:")) != -1) {
		switch (opt) {
		case '6': family = AF_INET6; break;
		case 'p': port = atoi(optarg); break;
		case 'c': nr_clients = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-6] [-p PORT] [-c CLIENTS] [-t SECONDS]\n", argv[0]);
			return 2;
		}
	}
	if (nr_clients < 1 || nr_clients > MAX_CLIENTS) {
		fprintf(stderr, "http_churn: 1-%d clients\n", MAX_CLIENTS);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nr_clients; i++)
		pthread_create(&th[i], NULL, client, NULL);
	for (i = 0; i < seconds * 10 && !atomic_load(&stop); i++)
		usleep(100000);
	atomic_store(&stop, 1);
	for (i = 0; i < nr_clients; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("requests=%ld ok=%ld refused=%ld reset=%ld timeout=%ld short=%ld other=%ld max_ms=%ld elapsed_ms=%ld\n",
	       atomic_load(&st_ok) + atomic_load(&st_refused) + atomic_load(&st_reset) +
	       atomic_load(&st_timeout) + atomic_load(&st_short) + atomic_load(&st_other),
	       atomic_load(&st_ok), atomic_load(&st_refused), atomic_load(&st_reset),
	       atomic_load(&st_timeout), atomic_load(&st_short), atomic_load(&st_other),
	       atomic_load(&max_us) / 1000, (t1.tv_sec - t0.tv_sec) * 1000L + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	return 0;
}
