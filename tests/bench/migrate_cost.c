// SPDX-License-Identifier: GPL-2.0
/*
 * migrate_cost: what close() of a listener holding N queued children costs,
 * when they migrate to a live sibling (net.ipv4.tcp_migrate_req=1) and when
 * they are reset (tcp_migrate_req=0).
 *
 * One trial: listener A (SO_REUSEPORT) gets N connections in its accept
 * queue, then sibling B joins the group, the knob is set, and close(A) is
 * timed with CLOCK_MONOTONIC.  After it, B's accept queue must hold N
 * children with migration and none without (checked with TCP_INFO, whose
 * tcpi_unacked is a listener's accept queue length).  The modes alternate
 * within every repetition, and their order flips each time, so noise hits
 * both.  One unrecorded trial of each mode warms up first (under QEMU TCG
 * the first run of a code path pays for its translation).  Clients bind to 127.0.0.1.. 127.0.0.8 so that 64k connections do
 * not run out of ports.
 *
 * Usage: migrate_cost [-r REPS] [-p PORT] N...
 * Prints CSV lines: n,mode,rep,close_ns,ns_per_child,moved
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static int port = 9090;
static const char knob[] = "/proc/sys/net/ipv4/tcp_migrate_req";

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void set_knob(int v)
{
	FILE *f = fopen(knob, "w");

	if (!f || fprintf(f, "%d\n", v) < 0 || fclose(f))
		die(knob);
}

static struct sockaddr_in addr(unsigned int host, int p)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(p) };

	sin.sin_addr.s_addr = htonl(host);
	return sin;
}

static int listener(int backlog)
{
	struct sockaddr_in sin = addr(INADDR_LOOPBACK, port);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, backlog))
		die("listener");
	return fd;
}

/* A listener's accept queue length. */
static long queued(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		die("TCP_INFO");
	return ti.tcpi_unacked;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void connect_clients(int *fds, int n)
{
	struct sockaddr_in dst = addr(INADDR_LOOPBACK, port);
	int i, one = 1;

	for (i = 0; i < n; i++) {
		/* 127.0.0.1 .. 127.0.0.8: 8 x the ephemeral ports */
		struct sockaddr_in src = addr(INADDR_LOOPBACK + (i & 7), 0);
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			die("client socket");
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
		    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
			fprintf(stderr, "migrate_cost: client %d of %d: %s\n", i, n, strerror(errno));
			exit(1);
		}
		fds[i] = fd;
	}
}

static int quiet;

static void trial(int n, int migrate, int rep, int *clients)
{
	long long t0, t1;
	long moved;
	int a, b, i, waited;

	set_knob(0);
	a = listener(n + 64);
	connect_clients(clients, n);
	for (waited = 0; queued(a) < n && waited < 2000; waited++)
		usleep(1000);
	if (queued(a) != n) {
		fprintf(stderr, "migrate_cost: %ld of %d children queued\n", queued(a), n);
		exit(1);
	}
	b = listener(n + 64);
	set_knob(migrate);
	t0 = now_ns();
	close(a);
	t1 = now_ns();
	moved = queued(b);
	if (!quiet)
		printf("%d,%s,%d,%lld,%.1f,%ld\n", n, migrate ? "migrate" : "reset", rep,
	       t1 - t0, (double)(t1 - t0) / n, moved);
	fflush(stdout);
	if (moved != (migrate ? n : 0))
		fprintf(stderr, "migrate_cost: N=%d %s: %ld children in the sibling, expected %d\n",
			n, migrate ? "migrate" : "reset", moved, migrate ? n : 0);
	set_knob(0);
	close(b);
	for (i = 0; i < n; i++)
		close(clients[i]);
	usleep(200000);	/* let the resets settle */
}

int main(int argc, char **argv)
{
	int reps = 5, opt, i, r, max = 0;
	struct rlimit rl;
	int *clients;

	while ((opt = getopt(argc, argv, "r:p:")) != -1) {
		switch (opt) {
		case 'r': reps = atoi(optarg); break;
		case 'p': port = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-r REPS] [-p PORT] N...\n", argv[0]);
			return 2;
		}
	}
	for (i = optind; i < argc; i++)
		if (atoi(argv[i]) > max)
			max = atoi(argv[i]);
	if (!max) {
		fprintf(stderr, "usage: %s [-r REPS] [-p PORT] N...\n", argv[0]);
		return 2;
	}
	if (max < 1024)
		max = 1024;
	rl.rlim_cur = rl.rlim_max = max + 1024;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE)");
	clients = calloc(max, sizeof(*clients));
	if (!clients)
		die("calloc");
	printf("n,mode,rep,close_ns,ns_per_child,moved\n");
	quiet = 1;
	trial(1024, 1, 0, clients);
	trial(1024, 0, 0, clients);
	quiet = 0;
	for (i = optind; i < argc; i++)
		for (r = 1; r <= reps; r++) {
			int first = r & 1;	/* flip the order every repetition */

			trial(atoi(argv[i]), first, r, clients);
			trial(atoi(argv[i]), !first, r, clients);
		}
	return 0;
}
