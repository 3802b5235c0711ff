// SPDX-License-Identifier: GPL-2.0
/*
 * reuseport_storm: rolling listener replacement under load.
 *
 * A group of SO_REUSEPORT TCP listeners serves clients that open a new
 * connection for every request, while one listener after another is
 * replaced: a new listener joins the group, then the old one is shut down
 * and closed, as a server does on a reload.  Every client request is
 * classified: ok, refused, reset, timeout or short read.
 *
 * Usage: reuseport_storm [-6] [-b] [-l LISTENERS] [-c CLIENTS] [-r REPLACE_MS]
 *                        [-B BUSY_MS] [-t SECONDS] [-n MAX_REPLACEMENTS] [-p PORT]
 * -B: the listener being replaced stops accepting BUSY_MS before it is shut
 * down, so that its accept queue holds children when it goes.
 * Prints one line "key=value ..." and exits 0; the caller judges the counts.
 * The knob (net.ipv4.tcp_migrate_req) is left as the caller set it.
 * -b attaches a BPF_SK_REUSEPORT_SELECT_OR_MIGRATE program ("SK_PASS", the
 * hash picks) to the group (tests/lib/migrate_policy.h): migration is then
 * on whatever the knob says.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "loopback.h"
#include "migrate_policy.h"

#define MAX_LISTENERS	16
#define MAX_CLIENTS	64
#define IO_TIMEOUT_MS	3000

static int family = AF_INET;
static int port = 8081;
static int nr_listeners = 4;
static int nr_clients = 8;
static int replace_ms = 30;
static int busy_ms;
static int seconds = 10;
static long max_replacements = 1000;
static bool bpf_policy;

static atomic_bool stop;
static atomic_long st_ok, st_refused, st_reset, st_timeout, st_short;
static atomic_long st_other, st_replaced, st_accepted;

struct listener {
	pthread_t thread;
	int fd;
	atomic_bool busy;	/* stops accepting: its accept queue fills */
	atomic_bool retire;
};

static struct listener *slots[MAX_LISTENERS];

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int open_listener(void)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback_addr(&ss, family, port);
	int one = 1, fd;

	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128)) {
		perror("listener");
		exit(2);
	}
	return fd;
}

/* Serve one listener until it is retired: accept, read the request,
 * answer, close.  A retired listener is shut down by its replacer, which
 * wakes accept().
 */
static void *serve(void *arg)
{
	struct listener *s = arg;
	char buf[64];

	while (!atomic_load(&s->retire)) {
		int c;

		if (atomic_load(&s->busy)) {
			usleep(200);
			continue;
		}
		c = accept(s->fd, NULL, NULL);

		if (c < 0)
			continue;
		atomic_fetch_add(&st_accepted, 1);
		if (recv(c, buf, sizeof(buf), 0) > 0)
			send(c, "pong\n", 5, MSG_NOSIGNAL);
		close(c);
	}
	return NULL;
}

static struct listener *start_listener(void)
{
	struct listener *s = calloc(1, sizeof(*s));

	if (!s)
		exit(2);
	s->fd = open_listener();
	pthread_create(&s->thread, NULL, serve, s);
	return s;
}

static void retire_listener(struct listener *s)
{
	if (busy_ms) {
		/* a worker that is busy, then told to quit: it leaves a
		 * full accept queue behind
		 */
		atomic_store(&s->busy, true);
		usleep(busy_ms * 1000);
	}
	atomic_store(&s->retire, true);
	shutdown(s->fd, SHUT_RDWR);	/* stops listening: migration here */
	pthread_join(s->thread, NULL);
	close(s->fd);
	free(s);
}

static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, IO_TIMEOUT_MS);
}

static void one_request(void)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback_addr(&ss, family, port);
	char buf[16];
	int fd, n;

	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0) {
		atomic_fetch_add(&st_other, 1);
		return;
	}
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		if (errno == ECONNREFUSED) {
			atomic_fetch_add(&st_refused, 1);
		} else if (errno == ECONNRESET) {
			atomic_fetch_add(&st_reset, 1);
		} else if (atomic_fetch_add(&st_other, 1) < 3) {
			fprintf(stderr, "reuseport_storm: connect: %s\n",
				strerror(errno));
		}
		goto out;
	}
	if (send(fd, "ping\n", 5, MSG_NOSIGNAL) != 5) {
		atomic_fetch_add(&st_reset, 1);
		goto out;
	}
	if (wait_fd(fd, POLLIN) <= 0) {
		atomic_fetch_add(&st_timeout, 1);
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n == 5)
		atomic_fetch_add(&st_ok, 1);
	else if (n < 0 && errno == ECONNRESET)
		atomic_fetch_add(&st_reset, 1);
	else
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
	pthread_t clients[MAX_CLIENTS];
	long start, next;
	int opt, i, victim = 0;

	while ((opt = getopt(argc, argv, "6bl:c:r:B:t:n:p:")) != -1) {
		switch (opt) {
		case '6': family = AF_INET6; break;
		case 'b': bpf_policy = true; break;
		case 'l': nr_listeners = atoi(optarg); break;
		case 'c': nr_clients = atoi(optarg); break;
		case 'r': replace_ms = atoi(optarg); break;
		case 'B': busy_ms = atoi(optarg); break;
		case 't': seconds = atoi(optarg); break;
		case 'n': max_replacements = atol(optarg); break;
		case 'p': port = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-6] [-b] [-l N] [-c N] [-r MS] [-B MS] [-t S] [-n N] [-p PORT]\n",
				argv[0]);
			return 2;
		}
	}
	if (nr_listeners < 2 || nr_listeners > MAX_LISTENERS ||
	    nr_clients < 1 || nr_clients > MAX_CLIENTS || replace_ms < 1 ||
	    busy_ms < 0 || seconds < 1) {
		fprintf(stderr, "reuseport_storm: 2-%d listeners, 1-%d clients, positive times\n",
			MAX_LISTENERS, MAX_CLIENTS);
		return 2;
	}

	for (i = 0; i < nr_listeners; i++)
		slots[i] = start_listener();
	/* the group outlives every listener: they are replaced one by one */
	if (bpf_policy && attach_migrate_policy(slots[0]->fd))
		return 2;
	for (i = 0; i < nr_clients; i++)
		pthread_create(&clients[i], NULL, client, NULL);

	start = now_ms();
	next = start + replace_ms;
	while (now_ms() - start < seconds * 1000L &&
	       atomic_load(&st_replaced) < max_replacements) {
		struct listener *old = slots[victim];

		while (now_ms() < next)
			usleep(1000);
		next += replace_ms;
		/* the new listener joins before the old one leaves */
		slots[victim] = start_listener();
		retire_listener(old);
		atomic_fetch_add(&st_replaced, 1);
		victim = (victim + 1) % nr_listeners;
	}
	atomic_store(&stop, true);
	for (i = 0; i < nr_clients; i++)
		pthread_join(clients[i], NULL);
	for (i = 0; i < nr_listeners; i++)
		retire_listener(slots[i]);

	printf("family=%s bpf=%d replaced=%ld requests=%ld ok=%ld refused=%ld reset=%ld timeout=%ld short=%ld other=%ld elapsed_ms=%ld\n",
	       family == AF_INET ? "ipv4" : "ipv6", bpf_policy, atomic_load(&st_replaced),
	       atomic_load(&st_ok) + atomic_load(&st_refused) +
	       atomic_load(&st_reset) + atomic_load(&st_timeout) +
	       atomic_load(&st_short) + atomic_load(&st_other),
	       atomic_load(&st_ok), atomic_load(&st_refused),
	       atomic_load(&st_reset), atomic_load(&st_timeout),
	       atomic_load(&st_short), atomic_load(&st_other),
	       now_ms() - start);
	return 0;
}
