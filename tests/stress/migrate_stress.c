// SPDX-License-Identifier: GPL-2.0
/*
 * migrate_stress: random, concurrent churn of SO_REUSEPORT TCP listeners with
 * request migration (net.ipv4.tcp_migrate_req and SELECT_OR_MIGRATE programs).
 *
 * Several network namespaces each hold a few reuseport groups: IPv4 and IPv6,
 * plain, TCP_FASTOPEN (data in the SYN, no cookie: Fast Open children) and
 * TCP_DEFER_ACCEPT (clients that never send leave acked requests in the SYN
 * queue).  One namespace is reached from a client namespace over a veth pair
 * whose neighbour entry for the client is flipped between a wrong and the right
 * MAC address: SYN+ACKs are lost, requests wait on their timers, then some
 * complete.  Worker threads setns() into the namespaces and, at random, open,
 * bind and listen listeners, close them, shut them down, listen() again, attach
 * and detach SELECT and SELECT_OR_MIGRATE programs (pass, drop, random picks
 * from a REUSEPORT_SOCKARRAY holding listeners of every group and namespace and
 * UDP sockets, cookies of sk and migrating_sk), classic socket filters, update
 * the sockarray, toggle the knob, connect clients and accept children.
 *
 * Every client sends a tag naming the namespace and group it connected to; an
 * accepted child whose tag names another one means a request crossed a group
 * or a namespace: that is counted as a violation and fails the run.
 *
 * Usage: migrate_stress [-t SECONDS] [-w WORKERS] [-n SERVER_NETNS] [-s SEED] [-V]
 *   -V: no veth client namespace (it needs ip(8)).
 * Prints the counts and exits 0, or 1 on a violation or a setup failure.
 */
#include "common.h"

#include <arpa/inet.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_NS		6
#define NR_GROUPS	6
#define MAX_L		6	/* listeners per group */
#define MAX_W		16
#define POOL		24	/* clients kept per worker */
#define MAP_SIZE	16
#define NR_UDP		2	/* UDP reuseport sockets per namespace, for the sockarray */
#define PORT_BASE	20100
#define TAG_MAGIC	0x4dU
#define VETH_SRV	"10.99.0.1"
#define VETH_CLI	"10.99.0.2"

enum { G_PLAIN = 1, G_TFO = 2, G_DEFER = 4 };
static const struct { int family, flags; } group_kind[NR_GROUPS] = {
	{ AF_INET, G_PLAIN }, { AF_INET, G_TFO }, { AF_INET, G_DEFER },
	{ AF_INET6, G_PLAIN }, { AF_INET6, G_TFO }, { AF_INET6, G_DEFER },
};

struct group {
	pthread_mutex_t mu;
	int ns, g;
	int fd[MAX_L];
	bool shut[MAX_L];
};

static int nr_ns = 3, nr_workers = 4, seconds = 30;
static bool veth = true;
static int ns_fd[MAX_NS], cli_ns = -1, main_ns;
static struct group groups[MAX_NS][NR_GROUPS];
static int udp_fd[MAX_NS][NR_UDP];
static int map_fd;
#define NR_PROGS (NR_PROG_KINDS * 3 + 4 + 1)
static int progs[NR_PROGS], nr_progs;
static unsigned char cli_mac[6];
static const unsigned char bad_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static struct timespec t_end;

enum op {
	OP_CONNECT, OP_VETH_CONNECT, OP_POKE, OP_ACCEPT, OP_OPEN, OP_CLOSE, OP_SHUTDOWN,
	OP_RELISTEN, OP_ATTACH, OP_DETACH, OP_MAPSET, OP_MAPDEL, OP_KNOB, OP_NEIGH, NR_OPS
};
static const char *op_name[NR_OPS] = {
	"connect", "veth_connect", "client_send", "accept", "open", "close", "shutdown",
	"relisten", "attach", "detach", "map_update", "map_delete", "knob", "neigh_flip",
};
static const int op_weight[NR_OPS] = { 30, 8, 10, 25, 8, 5, 4, 5, 5, 2, 5, 2, 2, 2 };
static atomic_long n_ok[NR_OPS], n_err[NR_OPS];
static atomic_long n_tagged, n_violations, n_accepted_tfo;

static void fail(const char *what)
{
	fprintf(stderr, "migrate_stress: %s: %s\n", what, strerror(errno));
	exit(1);
}

static bool time_left(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec < t_end.tv_sec ||
	       (now.tv_sec == t_end.tv_sec && now.tv_nsec < t_end.tv_nsec);
}

struct worker {
	pthread_t th;
	unsigned int seed;
	int cur_ns;		/* index into ns_fd, MAX_NS for the client netns */
	int pool[POOL];
};

static unsigned int rnd(struct worker *w, unsigned int n)
{
	return rand_r(&w->seed) % n;
}

static void enter(struct worker *w, int ns)
{
	if (w->cur_ns == ns)
		return;
	if (setns(ns == MAX_NS ? cli_ns : ns_fd[ns], CLONE_NEWNET))
		fail("setns");
	w->cur_ns = ns;
}

static socklen_t group_addr(int ns, int g, bool remote, struct sockaddr_storage *ss, bool any)
{
	memset(ss, 0, sizeof(*ss));
	if (group_kind[g].family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(PORT_BASE + g);
		if (!any)
			inet_pton(AF_INET, remote ? VETH_SRV : "127.0.0.1", &a->sin_addr);
		return sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(PORT_BASE + g);
		if (!any)
			a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
	(void)ns;
}

static void set_linger0(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

static int tag_of(int ns, int g)
{
	return TAG_MAGIC | ns << 8 | g << 16;
}

/* A listener of group @g in the worker's current namespace, or -1. */
static int listener_open(struct worker *w, int g)
{
	struct sockaddr_storage ss;
	int one = 1, fd, v;
	socklen_t len = group_addr(0, g, false, &ss, true);

	fd = socket(group_kind[g].family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (group_kind[g].family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (group_kind[g].flags & G_TFO) {
		v = 8;
		setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &v, sizeof(v));
	}
	if (group_kind[g].flags & G_DEFER) {
		v = 1 + rnd(w, 2);
		setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, sizeof(v));
	}
	if (bind(fd, (void *)&ss, len) || listen(fd, 1 + rnd(w, 16))) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool op_open(struct worker *w, struct group *gr)
{
	int i, fd;

	for (i = 0; i < MAX_L && gr->fd[i] >= 0; i++)
		;
	if (i == MAX_L)
		return false;
	enter(w, gr->ns);
	fd = listener_open(w, gr->g);
	if (fd < 0)
		return false;
	gr->fd[i] = fd;
	gr->shut[i] = false;
	return true;
}

/* A random occupied slot of @gr (listening if @want_listening, shut if @want_shut), or -1 */
static int pick_slot(struct worker *w, struct group *gr, int want)
{
	int i, start = rnd(w, MAX_L);

	for (i = 0; i < MAX_L; i++) {
		int s = (start + i) % MAX_L;

		if (gr->fd[s] < 0)
			continue;
		if (want == 1 && gr->shut[s])
			continue;
		if (want == 2 && !gr->shut[s])
			continue;
		return s;
	}
	return -1;
}

static void child_check(int ns, int g, int child)
{
	unsigned int tag;
	ssize_t n = recv(child, &tag, sizeof(tag), MSG_DONTWAIT);

	if (n == sizeof(tag)) {
		atomic_fetch_add(&n_tagged, 1);
		if (tag != (unsigned int)tag_of(ns, g)) {
			atomic_fetch_add(&n_violations, 1);
			fprintf(stderr, "VIOLATION: ns %d group %d (port %d) accepted a child tagged ns %u group %u\n",
				ns, g, PORT_BASE + g, (tag >> 8) & 0xff, tag >> 16);
		}
	}
	set_linger0(child);
	close(child);
}

static bool op_accept(struct worker *w, struct group *gr)
{
	int s = pick_slot(w, gr, 0), child, n = 0;

	if (s < 0)
		return false;
	while (n < 4 && (child = accept4(gr->fd[s], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		child_check(gr->ns, gr->g, child);
		if (group_kind[gr->g].flags & G_TFO)
			atomic_fetch_add(&n_accepted_tfo, 1);
		n++;
	}
	return n > 0;
}

static void pool_put(struct worker *w, int fd)
{
	int i = rnd(w, POOL);

	if (w->pool[i] >= 0) {
		if (rnd(w, 4) == 0)
			shutdown(w->pool[i], SHUT_WR);
		close(w->pool[i]);
	}
	w->pool[i] = fd;
}

/* A client of group @g of namespace @ns, from that namespace (or the client one). */
static bool client_connect(struct worker *w, int ns, int g, bool remote)
{
	struct sockaddr_storage ss;
	socklen_t len = group_addr(ns, g, remote, &ss, false);
	int tag = tag_of(ns, g), fd, one = 1;
	struct pollfd p;
	bool silent = rnd(w, 3) == 0;

	enter(w, remote ? MAX_NS : ns);
	fd = socket(group_kind[g].family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	set_linger0(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((group_kind[g].flags & G_TFO) && !silent) {
		if (sendto(fd, &tag, sizeof(tag), MSG_FASTOPEN, (void *)&ss, len) < 0 &&
		    errno != EINPROGRESS) {
			close(fd);
			return false;
		}
	} else if (connect(fd, (void *)&ss, len) && errno != EINPROGRESS) {
		close(fd);
		return false;
	}
	if (!silent && !remote && !(group_kind[g].flags & G_TFO)) {
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, 20) == 1 && (p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLHUP)))
			send(fd, &tag, sizeof(tag), MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	pool_put(w, fd);
	return true;
}

/* A pooled client that connected meanwhile (a silent or veth one) sends its tag. */
static bool op_poke(struct worker *w)
{
	int i = rnd(w, POOL), fd = w->pool[i], tag;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (fd < 0 || poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT) || (p.revents & (POLLERR | POLLHUP)))
		return false;
	if (getpeername(fd, (void *)&ss, &len))
		return false;
	/* which group: the port; which namespace: only known for veth clients (ns 0) */
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;
		int g = ntohs(a->sin_port) - PORT_BASE;

		if (a->sin_addr.s_addr != htonl(INADDR_LOOPBACK)) {
			tag = tag_of(0, g);
			return send(fd, &tag, sizeof(tag), MSG_DONTWAIT | MSG_NOSIGNAL) == sizeof(tag);
		}
	}
	return false;
}

static bool op_relisten(struct worker *w, struct group *gr)
{
	int s = pick_slot(w, gr, 0);

	if (s < 0)
		return false;
	if (listen(gr->fd[s], 1 + rnd(w, 16))) {
		/* the port went to a group it cannot join: give it up */
		close(gr->fd[s]);
		gr->fd[s] = -1;
		return false;
	}
	gr->shut[s] = false;
	return true;
}

static bool op_attach(struct worker *w, struct group *gr)
{
	int s = pick_slot(w, gr, 1), p = progs[rnd(w, nr_progs)];

	if (s < 0)
		return false;
	return !setsockopt(gr->fd[s], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &p, sizeof(p));
}

static bool op_detach(struct worker *w, struct group *gr)
{
	int s = pick_slot(w, gr, 0), zero = 0;

	if (s < 0)
		return false;
	return !setsockopt(gr->fd[s], SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero, sizeof(zero));
}

/* Any listener of any group of any namespace, or a UDP socket, goes into the sockarray. */
static bool op_mapset(struct worker *w)
{
	int ns = rnd(w, nr_ns), key = rnd(w, MAP_SIZE), s, ret;
	struct group *gr;

	if (rnd(w, 5) == 0)
		return !map_update(map_fd, key, udp_fd[ns][rnd(w, NR_UDP)], 8);
	gr = &groups[ns][rnd(w, NR_GROUPS)];
	pthread_mutex_lock(&gr->mu);
	s = pick_slot(w, gr, 0);
	ret = s >= 0 ? map_update(map_fd, key, gr->fd[s], 8) : -1;
	pthread_mutex_unlock(&gr->mu);
	return !ret;
}

static bool op_knob(struct worker *w)
{
	int ns = rnd(w, nr_ns);

	enter(w, ns);
	return !knob_write(rnd(w, 2) ? "1" : "0", 1);
}

static int arp_set(const unsigned char *mac)
{
	struct arpreq r;
	struct sockaddr_in *a = (void *)&r.arp_pa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (fd < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	a->sin_family = AF_INET;
	inet_pton(AF_INET, VETH_CLI, &a->sin_addr);
	r.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(r.arp_ha.sa_data, mac, 6);
	r.arp_flags = ATF_PERM | ATF_COM;
	strcpy(r.arp_dev, "vs0");
	ret = ioctl(fd, SIOCSARP, &r);
	close(fd);
	return ret;
}

/* Mostly wrong: SYN+ACKs to the client namespace are lost while it is. */
static bool op_neigh(struct worker *w)
{
	enter(w, 0);
	return !arp_set(rnd(w, 3) ? bad_mac : cli_mac);
}

static enum op pick_op(struct worker *w)
{
	static int total;
	int i, r;

	if (!total)
		for (i = 0; i < NR_OPS; i++)
			total += op_weight[i];
	r = rnd(w, total);
	for (i = 0; r >= op_weight[i]; i++)
		r -= op_weight[i];
	return i;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long iter = 0;
	int i;

	for (i = 0; i < POOL; i++)
		w->pool[i] = -1;
	while ((iter++ & 15) || time_left()) {
		enum op op = pick_op(w);
		int ns = rnd(w, nr_ns), g = rnd(w, NR_GROUPS);
		struct group *gr = &groups[ns][g];
		bool ok = false, locked = false;

		if (!veth && (op == OP_VETH_CONNECT || op == OP_NEIGH))
			op = OP_CONNECT;
		if (op >= OP_ACCEPT && op <= OP_DETACH) {
			pthread_mutex_lock(&gr->mu);
			locked = true;
		}
		switch (op) {
		case OP_CONNECT:
			ok = client_connect(w, ns, g, false);
			break;
		case OP_VETH_CONNECT:
			g = rnd(w, 3);	/* the IPv4 groups of namespace 0 */
			ok = client_connect(w, 0, g, true);
			break;
		case OP_POKE:
			ok = op_poke(w);
			break;
		case OP_ACCEPT:
			ok = op_accept(w, gr);
			break;
		case OP_OPEN:
			ok = op_open(w, gr);
			break;
		case OP_CLOSE: {
			int s = pick_slot(w, gr, 0);

			if (s >= 0) {
				close(gr->fd[s]);
				gr->fd[s] = -1;
				ok = true;
			}
			break;
		}
		case OP_SHUTDOWN: {
			int s = pick_slot(w, gr, 1);

			if (s >= 0 && !shutdown(gr->fd[s], rnd(w, 2) ? SHUT_RDWR : SHUT_RD)) {
				gr->shut[s] = true;
				ok = true;
			}
			break;
		}
		case OP_RELISTEN:
			ok = op_relisten(w, gr);
			break;
		case OP_ATTACH:
			ok = op_attach(w, gr);
			break;
		case OP_DETACH:
			ok = op_detach(w, gr);
			break;
		case OP_MAPSET:
			ok = op_mapset(w);
			break;
		case OP_MAPDEL:
			ok = !map_delete(map_fd, rnd(w, MAP_SIZE));
			break;
		case OP_KNOB:
			ok = op_knob(w);
			break;
		case OP_NEIGH:
			ok = op_neigh(w);
			break;
		default:
			break;
		}
		if (locked)
			pthread_mutex_unlock(&gr->mu);
		atomic_fetch_add(ok ? &n_ok[op] : &n_err[op], 1);
	}
	for (i = 0; i < POOL; i++)
		if (w->pool[i] >= 0)
			close(w->pool[i]);
	return NULL;
}

static void sysctl_set(const char *name, const char *val)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		fprintf(stderr, "migrate_stress: %s=%s: %s\n", name, val, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The namespace's TCP settings: Fast Open without cookies, short SYN(+ACK) retries. */
static void ns_setup(unsigned int *seed)
{
	sysctl_set("tcp_fastopen", "1031");
	sysctl_set("tcp_synack_retries", "3");
	sysctl_set("tcp_syn_retries", "2");
	sysctl_set("tcp_migrate_req", rand_r(seed) % 2 ? "1" : "0");
}

static int sh(const char *cmd)
{
	int ret = system(cmd);

	if (ret)
		fprintf(stderr, "migrate_stress: '%s' failed (%d)\n", cmd, ret);
	return ret;
}

static void veth_teardown(void)
{
	if (system("ip netns del mstress-s0 2>/dev/null; ip netns del mstress-c 2>/dev/null")) {
		/* not there: nothing to remove */
	}
}

/* Namespace 0 and the client namespace, joined by a veth pair, as named netns. */
static void veth_setup(void)
{
	struct ifreq ifr;
	int fd;

	veth_teardown();
	if (sh("ip netns add mstress-s0") || sh("ip netns add mstress-c") ||
	    sh("ip link add vs0 netns mstress-s0 type veth peer name vc0 netns mstress-c") ||
	    sh("ip -n mstress-s0 addr add " VETH_SRV "/24 dev vs0") ||
	    sh("ip -n mstress-c addr add " VETH_CLI "/24 dev vc0") ||
	    sh("ip -n mstress-s0 link set vs0 up") || sh("ip -n mstress-c link set vc0 up") ||
	    sh("ip -n mstress-s0 link set lo up") || sh("ip -n mstress-c link set lo up"))
		exit(1);
	ns_fd[0] = open("/run/netns/mstress-s0", O_RDONLY | O_CLOEXEC);
	cli_ns = open("/run/netns/mstress-c", O_RDONLY | O_CLOEXEC);
	if (ns_fd[0] < 0 || cli_ns < 0)
		fail("open /run/netns");
	if (setns(cli_ns, CLONE_NEWNET))
		fail("setns client");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "vc0");
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		fail("SIOCGIFHWADDR vc0");
	memcpy(cli_mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	sysctl_set("tcp_fastopen", "1031");
	sysctl_set("tcp_syn_retries", "2");
	if (setns(ns_fd[0], CLONE_NEWNET))
		fail("setns 0");
	if (arp_set(bad_mac))
		fail("SIOCSARP");
	if (setns(main_ns, CLONE_NEWNET))
		fail("setns back");
}

/* Listeners (st 0A) in a /proc/net/tcp file; those with rx_queue (the accept queue count) != 0 add to *busy. */
static int listen_queues(const char *path, int ns, int *busy)
{
	char line[512];
	unsigned int st, tx, rx;
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*s %*s %x %x:%x", &st, &tx, &rx) != 3 || st != 0x0a)
			continue;
		n++;
		if (rx) {
			(*busy)++;
			printf("QUEUE: netns %d: listener with accept queue count %u: %s", ns, rx, line);
		}
	}
	fclose(f);
	return n;
}

static void on_alarm(int sig)
{
	static const char msg[] = "migrate_stress: still running long after the deadline: giving up\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nowhere to say it */
	}
	_exit(3);
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_W];
	unsigned int seed = time(NULL);
	long mig_ok = 0, mig_fail = 0, total_ok = 0, total_err = 0;
	int opt, ns, g, i, kinds[] = { 0, ATTACH_REUSEPORT_SELECT, ATTACH_REUSEPORT_MIGRATE };
	struct timespec t0;
	int listeners = 0, busy = 0;

	while ((opt = getopt(argc, argv, "t:w:n:s:V")) != -1) {
		switch (opt) {
		case 't': seconds = atoi(optarg); break;
		case 'w': nr_workers = atoi(optarg); break;
		case 'n': nr_ns = atoi(optarg); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'V': veth = false; break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-w WORKERS] [-n NETNS] [-s SEED] [-V]\n", argv[0]);
			return 2;
		}
	}
	if (nr_ns < 1 || nr_ns > MAX_NS || nr_workers < 1 || nr_workers > MAX_W || seconds < 1) {
		fprintf(stderr, "migrate_stress: -n 1..%d, -w 1..%d, -t >= 1\n", MAX_NS, MAX_W);
		return 2;
	}
	memlock_unlimited();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(seconds + 180);
	printf("migrate_stress: %d s, %d workers, %d server netns%s, seed %u\n", seconds,
	       nr_workers, nr_ns, veth ? " + a veth client netns" : "", seed);

	main_ns = netns_self();
	if (veth)
		veth_setup();
	else
		ns_fd[0] = netns_new();
	for (ns = 1; ns < nr_ns; ns++)
		ns_fd[ns] = netns_new();
	for (ns = 0; ns < nr_ns; ns++) {
		if (ns_fd[ns] < 0)
			fail("netns");
		if (setns(ns_fd[ns], CLONE_NEWNET))
			fail("setns");
		ns_setup(&seed);
		for (g = 0; g < NR_GROUPS; g++) {
			groups[ns][g].ns = ns;
			groups[ns][g].g = g;
			pthread_mutex_init(&groups[ns][g].mu, NULL);
			for (i = 0; i < MAX_L; i++)
				groups[ns][g].fd[i] = -1;
		}
		for (i = 0; i < NR_UDP; i++) {
			struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT_BASE) };
			int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

			setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
			if (bind(fd, (void *)&a, sizeof(a)))
				fail("bind udp");
			udp_fd[ns][i] = fd;
		}
	}
	if (setns(main_ns, CLONE_NEWNET))
		fail("setns main");

	map_fd = sockarray_create(MAP_SIZE, 1);
	if (map_fd < 0)
		fail("REUSEPORT_SOCKARRAY");
	for (i = 0; i < NR_PROG_KINDS; i++)
		for (g = 0; g < 3; g++) {
			/* the pick-by-migrating_sk programs only load for SELECT_OR_MIGRATE */
			int fd = prog_load_kind(i, kinds[g], map_fd);

			if (fd >= 0)
				progs[nr_progs++] = fd;
			else if (kinds[g] == ATTACH_REUSEPORT_MIGRATE)
				fail("loading a SELECT_OR_MIGRATE program (STRESS_VERBOSE=1 shows the log)");
		}
	/* bpf_get_socket_cookie() of sk and migrating_sk: the series offers it */
	i = prog_load_kind(P_COOKIE, ATTACH_REUSEPORT_MIGRATE, map_fd);
	if (i >= 0)
		progs[nr_progs++] = i;
	else
		printf("migrate_stress: KERNEL BUG? a SELECT_OR_MIGRATE program calling bpf_get_socket_cookie() "
		       "does not load (%s; STRESS_VERBOSE=1 shows the verifier log): left out\n", strerror(errno));
	for (i = 0; i < 4; i++) {
		/* classic path: the index is the return value; expected type 40 changes nothing */
		int fd = socket_filter_load(i, i == 3 ? ATTACH_REUSEPORT_MIGRATE : 0);

		if (fd < 0)
			fail("loading a socket filter");
		progs[nr_progs++] = fd;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_end = t0;
	t_end.tv_sec += seconds;
	for (i = 0; i < nr_workers; i++) {
		workers[i].seed = seed + 7919 * (i + 1);
		workers[i].cur_ns = -1;
		if (pthread_create(&workers[i].th, NULL, worker_main, &workers[i]))
			fail("pthread_create");
	}
	for (i = 0; i < nr_workers; i++)
		pthread_join(workers[i].th, NULL);

	/* Quiesce: the clients are closed (RST); SYN+ACKs reach the client namespace
	 * again so that its closed ones answer with RST; accept what is left.  Then
	 * no listener may keep a non-zero accept queue count (ss -ltn Recv-Q).
	 */
	if (veth) {
		if (setns(ns_fd[0], CLONE_NEWNET) || arp_set(cli_mac))
			fail("neighbour back");
	}
	sleep(2);
	for (ns = 0; ns < nr_ns; ns++)
		for (g = 0; g < NR_GROUPS; g++)
			for (i = 0; i < MAX_L; i++) {
				int fd = groups[ns][g].fd[i], child;

				while (fd >= 0 && (child = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) >= 0)
					child_check(ns, g, child);
			}
	sleep(1);
	for (ns = 0; ns < nr_ns; ns++) {
		if (setns(ns_fd[ns], CLONE_NEWNET))
			fail("setns");
		listeners += listen_queues("/proc/thread-self/net/tcp", ns, &busy);
		listeners += listen_queues("/proc/thread-self/net/tcp6", ns, &busy);
	}
	printf("migrate_stress: listeners left %d, with a non-zero accept queue after draining: %d\n",
	       listeners, busy);

	/* the counters, before the namespaces go */
	for (ns = 0; ns < nr_ns; ns++) {
		long s, f;

		if (setns(ns_fd[ns], CLONE_NEWNET))
			fail("setns");
		s = tcpext("TCPMigrateReqSuccess");
		f = tcpext("TCPMigrateReqFailure");
		printf("netns %d: TCPMigrateReqSuccess %ld TCPMigrateReqFailure %ld knob %d\n",
		       ns, s, f, knob_get());
		mig_ok += s;
		mig_fail += f;
	}
	if (setns(main_ns, CLONE_NEWNET))
		fail("setns main");

	/* teardown: every listener, UDP socket, program, the map, the namespaces */
	for (ns = 0; ns < nr_ns; ns++) {
		for (g = 0; g < NR_GROUPS; g++)
			for (i = 0; i < MAX_L; i++)
				if (groups[ns][g].fd[i] >= 0)
					close(groups[ns][g].fd[i]);
		for (i = 0; i < NR_UDP; i++)
			close(udp_fd[ns][i]);
		close(ns_fd[ns]);
	}
	for (i = 0; i < nr_progs; i++)
		close(progs[i]);
	close(map_fd);
	if (veth) {
		close(cli_ns);
		veth_teardown();
	}

	for (i = 0; i < NR_OPS; i++) {
		printf("op %-13s ok %8ld  failed %8ld\n", op_name[i], n_ok[i], n_err[i]);
		total_ok += n_ok[i];
		total_err += n_err[i];
	}
	printf("migrate_stress: operations %ld (ok %ld, failed %ld: the random ones that did not apply)\n",
	       total_ok + total_err, total_ok, total_err);
	printf("migrate_stress: migrations TCPMigrateReqSuccess %ld TCPMigrateReqFailure %ld\n",
	       mig_ok, mig_fail);
	printf("migrate_stress: accepted children with a tag %ld (Fast Open groups: %ld accepted), "
	       "crossed a group or netns: %ld\n", n_tagged, n_accepted_tfo, n_violations);
	if (busy) {
		printf("migrate_stress: FAIL: a listener kept a queue count after its queue was drained\n");
		return 1;
	}
	if (n_violations) {
		printf("migrate_stress: FAIL: a request or child ended up in another group or netns\n");
		return 1;
	}
	printf("migrate_stress: done\n");
	return 0;
}
