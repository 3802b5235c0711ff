// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-tree ABI proof for SO_REUSEPORT socket migration.
 *
 * Loads migrate_prog.bpf.o (SEC("sk_reuseport/migrate"), built against the
 * system headers) through the system libbpf, attaches it to a group of three
 * listeners with SO_ATTACH_REUSEPORT_EBPF, queues children on listener 0,
 * closes it with net.ipv4.tcp_migrate_req=0, and checks that the children
 * can be accepted on listener 2, the one the program picks.  Runs in its own
 * network namespace.  Prints TAP; exits 1 if a test fails, 2 if it cannot
 * run at all.  On a kernel without the migration ABI the load fails
 * (expected attach type BPF_SK_REUSEPORT_SELECT_OR_MIGRATE is unknown).
 *
 * Usage: migrate_abi [PATH/TO/migrate_prog.bpf.o]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tap.h"
#include "tcpext.h"

#define NR_LISTENERS	3
#define SYN_KEY		0	/* as in migrate_prog.bpf.c */
#define TARGET_KEY	2
#define NR_CLIENTS	8
#define TIMEOUT_MS	5000
#define NR_TESTS	8

enum { CNT_NEW_SYN, CNT_MIGRATED, CNT_ESTABLISHED, CNT_SELECT_ERROR };

static void bail_out(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(2);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int len = strlen(val), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, val, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

static void enter_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (unshare(CLONE_NEWNET))
		bail_out("unshare(CLONE_NEWNET) (run as root)");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		bail_out("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		bail_out("SIOCSIFFLAGS lo");
	close(fd);
	/* the program alone must turn migration on */
	if (write_file("/proc/sys/net/ipv4/tcp_migrate_req", "0"))
		bail_out("net.ipv4.tcp_migrate_req=0 (kernel without the knob?)");
}

static int accept_queue_len(int fd)
{
	struct tcp_info info = {};
	socklen_t len = sizeof(info);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len))
		return -1;
	return info.tcpi_unacked;	/* for a listener: its accept queue */
}

/* Accept what @fd has, waiting up to TIMEOUT_MS for @expected children */
static int accept_all(int fd, int expected)
{
	long long deadline = now_ms() + TIMEOUT_MS;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n = 0, child;

	for (;;) {
		child = accept(fd, NULL, NULL);
		if (child >= 0) {
			close(child);
			n++;
			continue;
		}
		if (errno != EAGAIN || n >= expected || now_ms() >= deadline)
			return n;
		poll(&pfd, 1, deadline - now_ms());
	}
}

static __u64 read_counter(int map_fd, __u32 key)
{
	__u64 val = 0;

	bpf_map_lookup_elem(map_fd, &key, &val);
	return val;
}

static const char *default_obj(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (len < 0)
		return "migrate_prog.bpf.o";
	exe[len] = '\0';
	snprintf(buf, size, "%s/migrate_prog.bpf.o", dirname(exe));
	return buf;
}

int main(int argc, char **argv)
{
	int servers[NR_LISTENERS], clients[NR_CLIENTS];
	int one = 1, i, prog_fd, sockarray_fd, counters_fd, queued;
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t addr_len = sizeof(addr);
	long success, failure;
	char path[PATH_MAX];
	const char *obj_path;
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err, on_target, on_other;
	__u32 key;
	__u64 val;

	obj_path = argc > 1 ? argv[1] : default_obj(path, sizeof(path));
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%d\n", NR_TESTS);
	printf("# libbpf %s, object %s\n", libbpf_version_string(), obj_path);
	enter_netns();

	/* 1: the system libbpf reads the section name as mainline's */
	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj)
		bail_out("bpf_object__open_file");
	prog = bpf_object__find_program_by_name(obj, "migrate_to_target");
	if (!prog)
		bail_out("no program migrate_to_target");
	tap(bpf_program__expected_attach_type(prog) ==
	    BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
	    "libbpf: SEC(\"sk_reuseport/migrate\") is expected attach type %d (BPF_SK_REUSEPORT_SELECT_OR_MIGRATE = %d)",
	    bpf_program__expected_attach_type(prog),
	    BPF_SK_REUSEPORT_SELECT_OR_MIGRATE);

	/* 2: the kernel accepts it, ctx->migrating_sk included */
	err = bpf_object__load(obj);
	if (!tap(!err, "kernel loads the program (err %d)", err)) {
		printf("Bail out! the kernel refused the program: no migration ABI\n");
		return 1;
	}
	prog_fd = bpf_program__fd(prog);
	sockarray_fd = bpf_object__find_map_fd_by_name(obj, "listeners");
	counters_fd = bpf_object__find_map_fd_by_name(obj, "counters");
	if (sockarray_fd < 0 || counters_fd < 0)
		bail_out("maps");

	for (key = 0; key < NR_LISTENERS; key++) {
		servers[key] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (servers[key] < 0 ||
		    setsockopt(servers[key], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
		    bind(servers[key], (struct sockaddr *)&addr, addr_len) ||
		    getsockname(servers[key], (struct sockaddr *)&addr, &addr_len) ||
		    listen(servers[key], 64))
			bail_out("listener");
		val = servers[key];
		if (bpf_map_update_elem(sockarray_fd, &key, &val, BPF_ANY))
			bail_out("sockarray update");
	}

	/* 3: the program attaches to the group */
	err = setsockopt(servers[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF,
			 &prog_fd, sizeof(prog_fd));
	tap(!err, "SO_ATTACH_REUSEPORT_EBPF (%s)", err ? strerror(errno) : "ok");

	success = tcpext("TCPMigrateReqSuccess");
	failure = tcpext("TCPMigrateReqFailure");

	/* 4: new connections land on listener SYN_KEY */
	for (i = 0; i < NR_CLIENTS; i++) {
		clients[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (clients[i] < 0 ||
		    connect(clients[i], (struct sockaddr *)&addr, addr_len))
			bail_out("connect");
	}
	{
		long long deadline = now_ms() + TIMEOUT_MS;

		while ((queued = accept_queue_len(servers[SYN_KEY])) < NR_CLIENTS &&
		       now_ms() < deadline)
			usleep(10000);
	}
	tap(queued == NR_CLIENTS, "%d of %d children queued on listener %d",
	    queued, NR_CLIENTS, SYN_KEY);

	/* 5: close it with the sysctl off: they move to TARGET_KEY */
	close(servers[SYN_KEY]);
	on_target = accept_all(servers[TARGET_KEY], NR_CLIENTS);
	on_other = accept_all(servers[1], 0);
	tap(on_target == NR_CLIENTS && !on_other,
	    "after close(listener %d): %d accepted on listener %d (expected %d), %d on listener 1 (expected 0)",
	    SYN_KEY, on_target, TARGET_KEY, NR_CLIENTS, on_other);

	/* 6, 7: the kernel's counters */
	success = tcpext("TCPMigrateReqSuccess") - success;
	failure = tcpext("TCPMigrateReqFailure") - failure;
	tap(success == NR_CLIENTS, "TCPMigrateReqSuccess +%ld (expected +%d)",
	    success, NR_CLIENTS);
	tap(failure == 0, "TCPMigrateReqFailure +%ld (expected +0)", failure);

	/* 8: the program's counters */
	tap(read_counter(counters_fd, CNT_NEW_SYN) == NR_CLIENTS &&
	    read_counter(counters_fd, CNT_MIGRATED) == NR_CLIENTS &&
	    read_counter(counters_fd, CNT_ESTABLISHED) == NR_CLIENTS &&
	    read_counter(counters_fd, CNT_SELECT_ERROR) == 0,
	    "program saw %llu new connections, %llu migrations (%llu ESTABLISHED), %llu select errors",
	    (unsigned long long)read_counter(counters_fd, CNT_NEW_SYN),
	    (unsigned long long)read_counter(counters_fd, CNT_MIGRATED),
	    (unsigned long long)read_counter(counters_fd, CNT_ESTABLISHED),
	    (unsigned long long)read_counter(counters_fd, CNT_SELECT_ERROR));

	for (i = 0; i < NR_CLIENTS; i++)
		close(clients[i]);
	for (i = 1; i < NR_LISTENERS; i++)
		close(servers[i]);
	bpf_object__close(obj);

	printf("# %s: %d of %d passed\n", failures ? "FAIL" : "PASS",
	       tests - failures, tests);
	return failures ? 1 : 0;
}
