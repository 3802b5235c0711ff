// SPDX-License-Identifier: GPL-2.0
/*
 * copy_race: a lockless ehash reader against the copy of a request at a migration (issue 12,
 * item 6), on the inject kernel ("make inject-check": the series plus the test-only pause
 * points of the patches in tests/inject/).
 *
 * Request socks are SLAB_TYPESAFE_BY_RCU: a reader may hold a pointer to a request that is
 * freed, and whose memory is then reused, while it walks ehash. It trusts such a pointer only
 * if it can take a reference (refcount not zero) and the 4-tuple still matches. A migration
 * copies a request into new memory before it publishes the copy; if that memory is the one a
 * reader holds, and the copy's refcount is not zero while it is built, the reader takes a
 * reference on a half-built request, which the copier's later reset of the refcount erases.
 *
 * One round, all packets crafted on a veth from a client netns, the server's answers dropped
 * there (a wrong neighbour MAC) and read with a packet socket:
 *   CPU1: SYN -> request R on listener L1 (R allocated and its timer armed on CPU1);
 *         L2 joins.
 *   CPU0: final ACK; its lookup matches R and pauses before taking its reference (armed once).
 *         R is the only request of the flow: L1 still listens, so R cannot have moved.
 *   CPU1: L1 closes (tcp_migrate_req=1); R's next SYN+ACK timer moves R to L2: a copy R'
 *         replaces it, R is freed (CPU1's slab).
 *         L3 joins, L2 closes, and R' moves to L3, copied into new memory, which is R's;
 *         the copy pauses once its bytes are copied. Two variants: R' moves at a second final
 *         ACK (the copy goes to L3's accept queue with the child), or at its own SYN+ACK
 *         timer (the copy replaces R' in ehash; a final ACK then completes it).
 *   CPU0: the paused reader goes on: it must find no reference to take in the copy.
 * The copy must then complete normally: L3 accepts the connection, two moves are counted, and
 * the kernel logs no report (vm/run.sh checks its log).
 * The round tests the race only if the reader, before its attempt, saw the copy built in the
 * memory it held (the kernel says so in inject_same); a round where it did not is made again,
 * up to 3 times.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tcpext.h"

#define PARAMS		"/sys/module/inet_hashtables/parameters/"
#define PORT		8080
#define ROUNDS		3	/* rounds made again when the memory was not reused */
#define WAIT_MS		10000	/* the longest pause of each side (inject_wait_ms) */

#define SRV_MAC		"\x02\x00\x00\x00\x00\x01"
#define SRV_MAC_S	"02:00:00:00:00:01"
#define CLI_MAC		"\x02\x00\x00\x00\x00\x02"
#define CLI_MAC_S	"02:00:00:00:00:02"
#define BAD_MAC_S	"02:00:00:00:00:ee"
#define SRV_IP4		"198.18.0.1"
#define CLI_IP4		"198.18.0.2"
#define SRV_IP6		"2001:db8::1"
#define CLI_IP6		"2001:db8::2"

static int pkt_fd = -1, srv_netns = -1, cli_netns = -1;

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "copy_race: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

static void run(const char *cmd)
{
	if (system(cmd)) {
		fprintf(stderr, "copy_race: failed: %s\n", cmd);
		exit(1);
	}
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		die(path);
	close(fd);
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		die(path);
	close(fd);
	return strtol(buf, NULL, 10);
}

static void param_set(const char *name, long val)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	snprintf(buf, sizeof(buf), "%ld", val);
	write_file(path, buf);
}

static long param_get(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	return read_long(path);
}

static void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static int netns_fd(void)
{
	int fd = open("/proc/self/ns/net", O_RDONLY);

	if (fd < 0)
		die("/proc/self/ns/net");
	return fd;
}

/*
 * The server netns (this one, new) and a client netns joined by a veth pair. The server's
 * neighbour entries for the client name a MAC nobody has: its answers reach c0 as
 * PACKET_OTHERHOST, which the client's stack drops (no reset from it) and the packet socket
 * on c0 reads.
 */
static void netns_setup(void)
{
	char cmd[512];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };

	if (unshare(CLONE_NEWNET))
		die("unshare server netns");
	srv_netns = netns_fd();
	if (unshare(CLONE_NEWNET))
		die("unshare client netns");
	cli_netns = netns_fd();
	if (setns(srv_netns, CLONE_NEWNET))
		die("setns server");
	snprintf(cmd, sizeof(cmd),
		 "ip link add s0 address %s type veth peer name c0 address %s netns /proc/%d/fd/%d",
		 SRV_MAC_S, CLI_MAC_S, getpid(), cli_netns);
	run(cmd);
	run("ip link set lo up && ip addr add " SRV_IP4 "/24 dev s0 && "
	    "ip -6 addr add " SRV_IP6 "/64 dev s0 nodad && ip link set s0 up && "
	    "ip neigh replace " CLI_IP4 " lladdr " BAD_MAC_S " dev s0 nud permanent && "
	    "ip -6 neigh replace " CLI_IP6 " lladdr " BAD_MAC_S " dev s0 nud permanent");
	write_file("/proc/sys/net/ipv4/tcp_migrate_req", "1");

	if (setns(cli_netns, CLONE_NEWNET))
		die("setns client");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	run("ip link set c0 up");
	pkt_fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (pkt_fd < 0)
		die("packet socket");
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex("c0");
	if (!sll.sll_ifindex || bind(pkt_fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind packet socket to c0");
	if (setns(srv_netns, CLONE_NEWNET))
		die("setns server");
}

/* ---- the client's packets ---- */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

struct flow {
	bool v6;
	uint16_t sport;
	uint32_t cli_isn, srv_isn;
};

/* An Ethernet frame from the client: TCP with @flags, no options */
static void send_tcp(const struct flow *f, uint8_t flags, uint32_t seq, uint32_t ack)
{
	uint8_t frame[128] = {};
	struct ether_header *eth = (void *)frame;
	struct tcphdr *th;
	uint32_t sum = 0;
	size_t len;

	memcpy(eth->ether_dhost, SRV_MAC, ETH_ALEN);
	memcpy(eth->ether_shost, CLI_MAC, ETH_ALEN);
	if (f->v6) {
		struct ip6_hdr *ip6 = (void *)(eth + 1);

		eth->ether_type = htons(ETH_P_IPV6);
		ip6->ip6_flow = htonl(6 << 28);
		ip6->ip6_plen = htons(sizeof(*th));
		ip6->ip6_nxt = IPPROTO_TCP;
		ip6->ip6_hlim = 64;
		inet_pton(AF_INET6, CLI_IP6, &ip6->ip6_src);
		inet_pton(AF_INET6, SRV_IP6, &ip6->ip6_dst);
		sum = csum_add(sum, &ip6->ip6_src, 32);
		th = (void *)(ip6 + 1);
		len = sizeof(*eth) + sizeof(*ip6) + sizeof(*th);
	} else {
		struct iphdr *ip = (void *)(eth + 1);

		eth->ether_type = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(sizeof(*ip) + sizeof(*th));
		ip->frag_off = htons(IP_DF);
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		inet_pton(AF_INET, CLI_IP4, &ip->saddr);
		inet_pton(AF_INET, SRV_IP4, &ip->daddr);
		ip->check = htons(csum_fold(csum_add(0, ip, sizeof(*ip))));
		sum = csum_add(sum, &ip->saddr, 8);
		th = (void *)(ip + 1);
		len = sizeof(*eth) + sizeof(*ip) + sizeof(*th);
	}
	th->source = htons(f->sport);
	th->dest = htons(PORT);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = sizeof(*th) / 4;
	th->syn = !!(flags & TH_SYN);
	th->ack = !!(flags & TH_ACK);
	th->window = htons(65535);
	sum += IPPROTO_TCP + sizeof(*th);
	th->check = htons(csum_fold(csum_add(sum, th, sizeof(*th))));
	if (send(pkt_fd, frame, len, 0) != (ssize_t)len)
		die("send on c0");
}

/* The server's SYN+ACK to @f, within @ms: its ISN, or -1 */
static int64_t wait_synack(const struct flow *f, long ms)
{
	long deadline = now_ms() + ms;
	uint8_t frame[2048];
	struct sockaddr_ll sll;
	struct pollfd pfd = { .fd = pkt_fd, .events = POLLIN };

	while (now_ms() < deadline) {
		socklen_t sl = sizeof(sll);
		struct ether_header *eth = (void *)frame;
		struct tcphdr *th = NULL;
		ssize_t n;

		if (poll(&pfd, 1, deadline - now_ms()) != 1)
			continue;
		n = recvfrom(pkt_fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll, &sl);
		if (n < (ssize_t)sizeof(*eth) || sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (!f->v6 && eth->ether_type == htons(ETH_P_IP)) {
			struct iphdr *ip = (void *)(eth + 1);

			if (n >= (ssize_t)(sizeof(*eth) + sizeof(*ip) + sizeof(*th)) &&
			    ip->protocol == IPPROTO_TCP)
				th = (void *)((uint8_t *)ip + ip->ihl * 4);
		} else if (f->v6 && eth->ether_type == htons(ETH_P_IPV6)) {
			struct ip6_hdr *ip6 = (void *)(eth + 1);

			if (n >= (ssize_t)(sizeof(*eth) + sizeof(*ip6) + sizeof(*th)) &&
			    ip6->ip6_nxt == IPPROTO_TCP)
				th = (void *)(ip6 + 1);
		}
		if (th && th->syn && th->ack && th->source == htons(PORT) &&
		    th->dest == htons(f->sport))
			return ntohl(th->seq);
	}
	return -1;
}

static void drain_packets(void)
{
	uint8_t frame[2048];

	while (recv(pkt_fd, frame, sizeof(frame), MSG_DONTWAIT) > 0)
		;
}

/* ---- the server ---- */

static int listener(bool v6)
{
	struct sockaddr_storage ss = {};
	struct sockaddr_in6 *sin6 = (void *)&ss;
	struct sockaddr_in *sin = (void *)&ss;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		die("listener socket");
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(PORT);
		inet_pton(AF_INET6, SRV_IP6, &sin6->sin6_addr);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(PORT);
		inet_pton(AF_INET, SRV_IP4, &sin->sin_addr);
	}
	if (bind(fd, (struct sockaddr *)&ss, v6 ? sizeof(*sin6) : sizeof(*sin)) ||
	    listen(fd, 16))
		die("bind/listen");
	return fd;
}

static int accept_within(int fd, long ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return -1;
	return accept(fd, NULL, NULL);
}

/* ---- the reader: the first final ACK, sent from CPU0 ---- */

struct reader {
	const struct flow *f;
	long sent_ms, back_ms;
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;

	pin_to_cpu(0);
	r->sent_ms = now_ms();
	/* processed on this CPU before send() returns: the lookup pauses in it */
	send_tcp(r->f, TH_ACK, r->f->cli_isn + 1, r->f->srv_isn + 1);
	r->back_ms = now_ms();
	return NULL;
}

static bool wait_until(long (*get)(const char *), const char *name, long want, long ms)
{
	long deadline = now_ms() + ms;

	while (get(name) != want && now_ms() < deadline)
		sleep_ms(5);
	return get(name) == want;
}

/* ROUND_DONE: the race was set up and judged (TAP lines printed); ROUND_AGAIN: it was
 * not, make the round again; ROUND_FAIL: the round could not be set up (no TAP line yet).
 */
enum { ROUND_FAIL, ROUND_DONE, ROUND_AGAIN };

/* One round on @sport; see the top of the file. */
static int round_run(bool v6, bool at_timer, uint16_t sport)
{
	struct flow f = { .v6 = v6, .sport = sport, .cli_isn = 0x10000000u + sport * 7919u };
	long base, result, same, refcnt, waited, t0;
	int l1, l2 = -1, l3 = -1, child, ret = ROUND_DONE;
	bool set_up = true;
	struct reader r = { .f = &f };
	pthread_t reader;
	int64_t isn;

	pin_to_cpu(1);
	param_set("inject_port", PORT);
	param_set("inject_wait_ms", WAIT_MS);
	drain_packets();
	l1 = listener(v6);
	t0 = now_ms();
	send_tcp(&f, TH_SYN, f.cli_isn, 0);
	isn = wait_synack(&f, 2000);
	if (isn < 0) {
		diag("no SYN+ACK from the server");
		close(l1);
		param_set("inject_port", 0);
		return ROUND_FAIL;
	}
	f.srv_isn = isn;
	l2 = listener(v6);
	base = tcpext("TCPMigrateReqSuccess");

	/* The reader matches R while L1 still listens: R cannot have moved yet. */
	param_set("inject_reader", 1);
	if (pthread_create(&reader, NULL, reader_fn, &r))
		die("pthread_create");
	/* the reader disarms itself when it matches the request, and waits */
	if (!wait_until(param_get, "inject_reader", 0, 2000)) {
		diag("the final ACK from CPU0 did not match the request in 2 s");
		param_set("inject_reader", 0);
		pthread_join(reader, NULL);
		close(l1);
		close(l2);
		param_set("inject_port", 0);
		return ROUND_FAIL;
	}
	close(l1);
	/* R's next SYN+ACK timer (1 or 3 s after the SYN) moves it to L2 */
	if (!wait_until(tcpext, "TCPMigrateReqSuccess", base + 1, 5000)) {
		diag("the SYN+ACK timer did not move the request within 5 s (%ld moves)",
		     tcpext("TCPMigrateReqSuccess") - base);
		set_up = false;
	}
	l3 = listener(v6);
	param_set("inject_copier", 1);
	close(l2);
	if (at_timer) {
		/* R''s next timer (2 s after its move) moves it to L3: the copy
		 * pauses in the timer; the final ACK then completes the copy
		 */
		if (set_up &&
		    !wait_until(tcpext, "TCPMigrateReqSuccess", base + 2, 5000))
			diag("R' was not moved by its timer within 5 s");
		pthread_join(reader, NULL);
		send_tcp(&f, TH_ACK, f.cli_isn + 1, f.srv_isn + 1);
	} else {
		/* the second final ACK, on CPU1: its move copies R' and pauses */
		send_tcp(&f, TH_ACK, f.cli_isn + 1, f.srv_isn + 1);
		pthread_join(reader, NULL);
	}
	param_set("inject_copier", 0);

	result = param_get("inject_result");
	same = param_get("inject_same");
	refcnt = param_get("inject_copy_refcnt");
	waited = param_get("inject_waited_ms");
	diag("%s %s sport %u: reader paused %ld ms (waited %ld for the copy); copy's refcount when copied: %ld; reader %s; same memory: %s; round %ld ms",
	     v6 ? "ipv6" : "ipv4", at_timer ? "timer" : "final ACK", sport,
	     r.back_ms - r.sent_ms, waited, refcnt,
	     result == 2 ? "took a reference" : result == 1 ? "found none" : "never ran",
	     same ? "yes" : "no", now_ms() - t0);
	if (!same) {
		diag("the reader did not see the copy built in the memory it held%s: the race was not set up",
		     waited >= WAIT_MS ? " (it gave up waiting)" : "");
		ret = set_up ? ROUND_AGAIN : ROUND_FAIL;
	} else {
		if (!tap(refcnt == 0 && result == 1,
			 "%s, copy at the %s: a reader holding its memory takes no reference on it",
			 v6 ? "ipv6" : "ipv4", at_timer ? "timer" : "final ACK"))
			diag("the copy's refcount was %ld when its bytes were copied; the reader %s",
			     refcnt, result == 2 ? "took a reference on the half-built copy" :
			     "did not meet the copy");
		child = accept_within(l3, 3000);
		tap(child >= 0, "%s, copy at the %s: the copy completes, L3 accepts the connection",
		    v6 ? "ipv6" : "ipv4", at_timer ? "timer" : "final ACK");
		if (child >= 0)
			close(child);
		tap(tcpext("TCPMigrateReqSuccess") == base + 2,
		    "%s, copy at the %s: two moves counted: %ld", v6 ? "ipv6" : "ipv4",
		    at_timer ? "timer" : "final ACK", tcpext("TCPMigrateReqSuccess") - base);
	}
	close(l3);
	param_set("inject_port", 0);
	return ret;
}

int main(void)
{
	int fam, at_timer, round, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (access(PARAMS "inject_reader", W_OK)) {
		fprintf(stderr, "copy_race: %s: not the inject kernel (make inject-check builds it)\n",
			PARAMS "inject_reader");
		return 1;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "copy_race: needs 2 CPUs\n");
		return 1;
	}
	netns_setup();
	for (fam = 0; fam < 2; fam++) {
		for (at_timer = 0; at_timer < 2; at_timer++) {
			for (round = 0; round < ROUNDS; round++) {
				ret = round_run(fam, at_timer,
						40000 + fam * 100 + at_timer * 10 + round);
				if (ret != ROUND_AGAIN)
					break;
			}
			if (ret == ROUND_FAIL)
				tap(0, "%s, copy at the %s: the round could not be set up",
				    fam ? "ipv6" : "ipv4", at_timer ? "timer" : "final ACK");
			else if (ret == ROUND_AGAIN)
				tap(0, "%s, copy at the %s: %d rounds, none with the copy in the reader's memory",
				    fam ? "ipv6" : "ipv4", at_timer ? "timer" : "final ACK", ROUNDS);
		}
	}
	printf("1..%d\n# %d failed of %d\n", tests, failures, tests);
	return failures ? 1 : 0;
}
