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
 * or a namespace; a child whose tag arrived in part, or that saw the end of
 * the stream before it (clients only shut down after their tag), lost data.
 * Both are violations.
 *
 * After the churn, every namespace must settle: no request left, no listener
 * with a queue count or a reference held for a request, no child kept by a
 * listener that was shut down.  Then a last rolling restart: in every group,
 * clients fill the accept queues (plain and Fast Open groups) or the SYN
 * queues (TCP_DEFER_ACCEPT groups, silent clients) of two or more listeners,
 * and all of them but one are shut down: the one left must end up with every
 * child (as ss(8) shows its Recv-Q) and every request (its reference count in
 * /proc/net/tcp; no SYN_RECV row left for a shut-down one).  That fails when
 * nothing migrates, and so does a run without any TCPMigrateReqSuccess.
 *
 * The group churn (each piece its own option, in a namespace of its own with
 * the knob on, beside the workers, one TAP line each):
 *   -G: a group at the u16 limit (32768 sockets) with closed members: new
 *       listeners join (each evicts a closed member), listeners are shut down
 *       and listen again, programs are detached and attached (classic)
 *       through the next closed member to be evicted;
 *   -Z: listeners bound to port 0 are shut down (their port goes) and listen
 *       again (on another port): no connection may reach a listener of
 *       another port;
 *   -A: attach and detach through shut-down members: a program attached
 *       through one must not steer the live listeners, nor detaching through
 *       one remove theirs; the workers attach through shut-down members too,
 *       and classic programs;
 *   -S: SELECT_OR_MIGRATE programs that put ctx->migrating_sk into a sockhash
 *       or sockmap, run when a listener with children closes (and attached at
 *       random by the workers);
 *   -C: all four.
 *
 * Usage: migrate_stress [-t SECONDS] [-w WORKERS] [-n SERVER_NETNS] [-s SEED] [-V]
 *                       [-k 0|1] [-M] [-T N] [-G] [-Z] [-A] [-S] [-C]
 *   -V: no veth client namespace (it needs ip(8)).
 *   -k: the knob in every server namespace, never toggled (default: at random
 *       per namespace, toggled by the workers; the last restart runs with 1).
 *   -M: no SELECT_OR_MIGRATE program.  "-k 0 -M" is a run where nothing
 *       migrates: its migration checks must fail.
 *   -T N: number the TAP lines from N + 1 and print no plan (tests/stress/run.sh).
 * Prints one TAP line per check, and exits 0 if all passed, 1 if one failed
 * or the setup did.
 */
#include "common.h"
#include "loopback.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
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
#define PROBE_N		12	/* clients per group in the last restart */

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
static int knob_mode = -1;	/* -k: the knob everywhere, never toggled; -1: random */
static bool no_migrate_progs;	/* -M */
static int ns_fd[MAX_NS], cli_ns = -1, main_ns;
static struct group groups[MAX_NS][NR_GROUPS];
static int udp_fd[MAX_NS][NR_UDP];
static int map_fd;
#define NR_PROGS (NR_PROG_KINDS * 3 + 4 + 1 + 2)
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
static atomic_long n_short, n_eof, n_reset, n_untagged;

static struct timespec t_start;

/* "# what (at N s)": where the time goes, after the churn */
static void phase(const char *what)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("# %s (at %ld s)\n", what, (long)(now.tv_sec - t_start.tv_sec));
}

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
	bool pool_tagged[POOL];	/* the client sent its whole tag */
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

/* The child's tag: the client sent 4 bytes in one segment, and only shuts down
 * (FIN) after it; a reset client may have sent nothing, a silent one sends
 * nothing, and a tag may still be on its way.
 */
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
	} else if (n > 0) {
		atomic_fetch_add(&n_short, 1);
		fprintf(stderr, "VIOLATION: ns %d group %d (port %d) accepted a child with %zd of the 4 bytes of its tag\n",
			ns, g, PORT_BASE + g, n);
	} else if (n == 0) {
		atomic_fetch_add(&n_eof, 1);
		fprintf(stderr, "VIOLATION: ns %d group %d (port %d) accepted a child that ended before its tag\n",
			ns, g, PORT_BASE + g);
	} else if (errno == ECONNRESET) {
		atomic_fetch_add(&n_reset, 1);
	} else {
		atomic_fetch_add(&n_untagged, 1);
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

/* A client replaces a random one of the pool, which is closed (a reset, after
 * a FIN now and then: only once its tag is out, so that a child that sees the
 * end of the stream before its tag means lost data).
 */
static void pool_put(struct worker *w, int fd, bool tagged)
{
	int i = rnd(w, POOL);

	if (w->pool[i] >= 0) {
		if (w->pool_tagged[i] && rnd(w, 4) == 0)
			shutdown(w->pool[i], SHUT_WR);
		close(w->pool[i]);
	}
	w->pool[i] = fd;
	w->pool_tagged[i] = tagged;
}

/* A client of group @g of namespace @ns, from that namespace (or the client one). */
static bool client_connect(struct worker *w, int ns, int g, bool remote)
{
	struct sockaddr_storage ss;
	socklen_t len = group_addr(ns, g, remote, &ss, false);
	int tag = tag_of(ns, g), fd, one = 1;
	struct pollfd p;
	bool silent = rnd(w, 3) == 0, tagged = false;
	ssize_t n;

	enter(w, remote ? MAX_NS : ns);
	fd = socket(group_kind[g].family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	set_linger0(fd);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((group_kind[g].flags & G_TFO) && !silent) {
		n = sendto(fd, &tag, sizeof(tag), MSG_FASTOPEN, (void *)&ss, len);
		if (n < 0 && errno != EINPROGRESS) {
			close(fd);
			return false;
		}
		tagged = n == sizeof(tag);
	} else if (connect(fd, (void *)&ss, len) && errno != EINPROGRESS) {
		close(fd);
		return false;
	}
	if (!silent && !remote && !(group_kind[g].flags & G_TFO)) {
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, 20) == 1 && (p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLHUP)))
			tagged = send(fd, &tag, sizeof(tag), MSG_DONTWAIT | MSG_NOSIGNAL) == sizeof(tag);
	}
	pool_put(w, fd, tagged);
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

		if (a->sin_addr.s_addr != htonl(INADDR_LOOPBACK) && !w->pool_tagged[i]) {
			tag = tag_of(0, g);
			w->pool_tagged[i] = send(fd, &tag, sizeof(tag), MSG_DONTWAIT | MSG_NOSIGNAL) == sizeof(tag);
			return w->pool_tagged[i];
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

static bool churn_big, churn_port0, churn_shut_bpf, churn_sockmap;

/* A program through a listener; with -A also through a shut-down one, and a
 * classic one (return the index k).
 */
static bool op_attach(struct worker *w, struct group *gr)
{
	int s = pick_slot(w, gr, churn_shut_bpf ? 0 : 1), p = progs[rnd(w, nr_progs)];
	struct sock_filter ret = BPF_STMT(BPF_RET | BPF_K, rnd(w, 3));
	struct sock_fprog cprog = { .len = 1, .filter = &ret };

	if (s < 0)
		return false;
	if (churn_shut_bpf && rnd(w, 3) == 0)
		return !setsockopt(gr->fd[s], SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &cprog, sizeof(cprog));
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
		if (knob_mode >= 0 && op == OP_KNOB)
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
	if (knob_mode >= 0)
		sysctl_set("tcp_migrate_req", knob_mode ? "1" : "0");
	else
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

/* A socket of /proc/net/tcp or tcp6: local port, state, rx_queue (a listener's
 * accept queue count), inode, reference count.  A request (NEW_SYN_RECV) shows
 * as state 03 with inode and refcount 0; every request and every child in an
 * accept queue holds a reference on its listener, so a listener's refcount is
 * 1 + its SYN-queue requests + its accept-queue children.
 */
struct row {
	unsigned int port, st, rx;
	unsigned long ino;
	int ref;
};

#define MAX_ROWS 16384
static struct row rows[MAX_ROWS];
static int nr_rows;

static void rows_add(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	struct row *r;

	if (!f)
		fail(path);
	while (fgets(line, sizeof(line), f) && nr_rows < MAX_ROWS) {
		r = &rows[nr_rows];
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*s %x %*x:%x %*x:%*x %*x %*u %*d %lu %d",
			   &r->port, &r->st, &r->rx, &r->ino, &r->ref) == 5)
			nr_rows++;
	}
	fclose(f);
}

/* The TCP sockets of the calling thread's network namespace. */
static void rows_read(void)
{
	nr_rows = 0;
	rows_add("/proc/thread-self/net/tcp");
	rows_add("/proc/thread-self/net/tcp6");
}

static bool our_port(unsigned int port)
{
	return port >= PORT_BASE && port < PORT_BASE + NR_GROUPS;
}

static unsigned long fd_ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* The listening row of @fd, or NULL if it does not listen. */
static const struct row *row_of(int fd)
{
	unsigned long ino = fd_ino(fd);
	int i;

	for (i = 0; i < nr_rows; i++)
		if (rows[i].ino == ino && rows[i].st == 0x0a)
			return &rows[i];
	return NULL;
}

/* Requests (state 03) with local port @port, or of all our ports if 0. */
static int requests_on(unsigned int port)
{
	int i, n = 0;

	for (i = 0; i < nr_rows; i++)
		if (rows[i].st == 0x03 && (port ? rows[i].port == port : our_port(rows[i].port)))
			n++;
	return n;
}

/* TCP sockets allocated, all namespaces (sockstat's "alloc"). */
static long tcp_alloc(void)
{
	char line[256];
	long n = -1;
	FILE *f = fopen("/proc/self/net/sockstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TCP: inuse %*d orphan %*d tw %*d alloc %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static long alloc_at_start;

/* The TCP sockets the stress holds: listeners, listening or shut down. */
static int tcp_fds_held(void)
{
	int ns, g, i, n = 0;

	for (ns = 0; ns < nr_ns; ns++)
		for (g = 0; g < NR_GROUPS; g++)
			for (i = 0; i < MAX_L; i++)
				n += groups[ns][g].fd[i] >= 0;
	return n;
}

static void in_ns(int ns)
{
	if (setns(ns_fd[ns], CLONE_NEWNET))
		fail("setns");
}

/* Accept (and check) every child queued on a listener of any group. */
static void drain_all(void)
{
	int ns, g, i, fd, child;

	for (ns = 0; ns < nr_ns; ns++)
		for (g = 0; g < NR_GROUPS; g++)
			for (i = 0; i < MAX_L; i++) {
				fd = groups[ns][g].fd[i];
				while (fd >= 0 && !groups[ns][g].shut[i] &&
				       (child = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
					child_check(ns, g, child);
			}
}

/* Once every client is gone and the queues were drained, nothing may be left:
 * no request (SYN_RECV row) on any of our ports, no listener with an accept
 * queue count or a reference beyond its own (a request or child it still
 * counts), and no TCP socket beyond the listeners the stress holds (a child
 * kept in the queue of a listener that was shut down, where no accept() and
 * no /proc file reaches it).  Waits up to @secs for requests on their timers;
 * with @report, says what is left.
 */
static bool settled(int secs, bool report)
{
	int ns, g, i, t, reqs = 0, busy = 0, extra = 0;

	for (t = 0; t <= secs * 4; t++) {
		if (t)
			usleep(250000);
		drain_all();
		reqs = busy = 0;
		for (ns = 0; ns < nr_ns; ns++) {
			in_ns(ns);
			rows_read();
			reqs += requests_on(0);
			for (i = 0; i < nr_rows; i++)
				busy += rows[i].st == 0x0a && our_port(rows[i].port) &&
					(rows[i].rx || rows[i].ref != 1);
		}
		extra = tcp_alloc() - alloc_at_start - tcp_fds_held();
		if (!reqs && !busy && !extra)
			return true;
	}
	if (!report)
		return false;
	printf("# after %d s: requests left %d, listeners with a queue count or an extra reference %d, "
	       "TCP sockets beyond the %d listeners held %d\n", secs, reqs, busy, tcp_fds_held(), extra);
	for (ns = 0; ns < nr_ns; ns++) {
		in_ns(ns);
		rows_read();
		for (i = 0; i < nr_rows; i++)
			if (our_port(rows[i].port) &&
			    (rows[i].st == 0x03 || (rows[i].st == 0x0a && (rows[i].rx || rows[i].ref != 1))))
				printf("#   netns %d port %u state %02X accept queue %u refcount %d\n",
				       ns, rows[i].port, rows[i].st, rows[i].rx, rows[i].ref);
		for (g = 0; g < NR_GROUPS; g++)
			for (i = 0; i < MAX_L; i++)
				if (groups[ns][g].fd[i] >= 0 && groups[ns][g].shut[i])
					printf("#   netns %d port %d: a listener shut down (not in /proc)\n",
					       ns, PORT_BASE + g);
	}
	return false;
}

/* The last rolling restart of a group: see the top of the file. */
struct probe {
	int cli[PROBE_N], n_cli;
	int survivor;		/* the slot left listening */
	int total;		/* children or requests the listeners held before */
	int to_move;		/* of those, held by the listeners shut down */
	int held;		/* held by the survivor after (refcount - 1) */
	int queued;		/* in its accept queue after (/proc) */
	int on_shut;		/* requests still on a shut-down listener */
	int ss_recvq;		/* the survivor's Recv-Q as ss shows it */
	const char *err;
};
static struct probe probes[MAX_NS][NR_GROUPS];

static bool is_defer(int g)
{
	return group_kind[g].flags & G_DEFER;
}

/* A client of the last restart: connected (its handshake done), with its tag
 * sent, except on a TCP_DEFER_ACCEPT group, where it stays silent and its
 * request waits in the SYN queue.
 */
static int probe_client(int ns, int g)
{
	struct sockaddr_storage ss;
	socklen_t len = group_addr(ns, g, false, &ss, false);
	int tag = tag_of(ns, g), fd, err = 0;
	socklen_t elen = sizeof(err);
	struct pollfd p;

	fd = socket(group_kind[g].family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	set_linger0(fd);
	if (group_kind[g].flags & G_TFO) {
		if (sendto(fd, &tag, sizeof(tag), MSG_FASTOPEN, (void *)&ss, len) != sizeof(tag))
			goto err;
	} else if (connect(fd, (void *)&ss, len) && errno != EINPROGRESS) {
		goto err;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, 2000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err)
		goto err;
	if (!(group_kind[g].flags & (G_TFO | G_DEFER)) &&
	    send(fd, &tag, sizeof(tag), MSG_NOSIGNAL) != sizeof(tag))
		goto err;
	return fd;
err:
	close(fd);
	return -1;
}

static int listening_slots(struct group *gr);

static int listening_all(void)
{
	int ns, g, n = 0;

	for (ns = 0; ns < nr_ns; ns++)
		for (g = 0; g < NR_GROUPS; g++)
			n += listening_slots(&groups[ns][g]);
	return n;
}

static int listening_slots(struct group *gr)
{
	int i, n = 0;

	for (i = 0; i < MAX_L; i++)
		n += gr->fd[i] >= 0 && !gr->shut[i];
	return n;
}

/* Two listeners or more, no program, a backlog for all clients, the clients. */
static void probe_setup(struct worker *w, int ns, int g)
{
	struct group *gr = &groups[ns][g];
	struct probe *pr = &probes[ns][g];
	int i, fd, v, zero = 0;

	in_ns(ns);
	while (listening_slots(gr) < 2) {
		for (i = 0; i < MAX_L && gr->fd[i] >= 0; i++)
			;
		if (i == MAX_L) {
			i = pick_slot(w, gr, 2);
			close(gr->fd[i]);
			gr->fd[i] = -1;
		}
		w->cur_ns = ns;
		fd = listener_open(w, g);
		if (fd < 0) {
			pr->err = "no listener could join the group";
			return;
		}
		gr->fd[i] = fd;
		gr->shut[i] = false;
	}
	for (i = 0; i < MAX_L; i++) {
		if (gr->fd[i] < 0 || gr->shut[i])
			continue;
		/* the knob decides, not a program of the churn */
		setsockopt(gr->fd[i], SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, &zero, sizeof(zero));
		listen(gr->fd[i], 4 * PROBE_N);
		if (is_defer(g)) {
			v = 30;
			setsockopt(gr->fd[i], IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, sizeof(v));
		}
	}
	for (i = 0; i < PROBE_N; i++) {
		fd = probe_client(ns, g);
		if (fd >= 0)
			pr->cli[pr->n_cli++] = fd;
	}
	if (!pr->n_cli)
		pr->err = "no client connected";
}

/* What a listening slot holds: requests and children (refcount - 1). */
static int held_by(int fd)
{
	const struct row *r = row_of(fd);

	return r ? r->ref - 1 : -1;
}

/* Once every client is queued somewhere, shut down all listeners but the one
 * holding the fewest (so that some must move).
 */
static void probe_restart(int ns, int g)
{
	struct group *gr = &groups[ns][g];
	struct probe *pr = &probes[ns][g];
	int i, h, min = -1;

	pr->total = 0;
	for (i = 0; i < MAX_L; i++) {
		if (gr->fd[i] < 0 || gr->shut[i])
			continue;
		h = held_by(gr->fd[i]);
		pr->total += h;
		if (min < 0 || h < min) {
			min = h;
			pr->survivor = i;
		}
	}
	pr->to_move = pr->total - min;
	for (i = 0; i < MAX_L; i++)
		if (gr->fd[i] >= 0 && !gr->shut[i] && i != pr->survivor) {
			shutdown(gr->fd[i], SHUT_RDWR);
			gr->shut[i] = true;
		}
}

/* The survivor holds all: every child in its accept queue, or (defer groups)
 * every request, none left on a shut-down listener.
 */
static bool probe_done(int ns, int g)
{
	struct probe *pr = &probes[ns][g];
	const struct row *r = row_of(groups[ns][g].fd[pr->survivor]);

	if (pr->err)
		return true;
	if (!r)
		return false;
	pr->held = r->ref - 1;
	pr->queued = r->rx;
	pr->on_shut = requests_on(PORT_BASE + g) - (pr->held - pr->queued);
	if (is_defer(g))
		return pr->held == pr->total && !pr->on_shut;
	return pr->held == pr->total && pr->queued == pr->total;
}

/* ss -Htlne in the calling thread's netns, once (a fork and exec take seconds on
 * the debug kernel): the Recv-Q of every listener of group @g's port goes to
 * the survivor of probes[ns][g] whose inode it names.
 */
static void ss_recvq(int ns)
{
	char line[1024], *p;
	unsigned long ino;
	struct probe *pr;
	int q, g;
	FILE *f = popen("ss -Htlne 2>/dev/null", "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, " ino:");
		if (!p || sscanf(line, "%*s %d", &q) != 1)
			continue;
		ino = strtoul(p + 5, NULL, 10);
		for (g = 0; g < NR_GROUPS; g++) {
			pr = &probes[ns][g];
			if (!pr->err && fd_ino(groups[ns][g].fd[pr->survivor]) == ino)
				pr->ss_recvq = q;
		}
	}
	pclose(f);
}

/* ss -Htln in the calling thread's netns: how many listeners of our ports it
 * shows with a non-zero Recv-Q (each is printed), or -1 if it shows none.
 */
static int ss_busy(int ns)
{
	char line[1024], local[128], *c;
	int q, n = 0, seen = 0;
	FILE *f = popen("ss -Htln 2>/dev/null", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %d %*d %127s", &q, local) != 2)
			continue;
		c = strrchr(local, ':');
		if (!c || !our_port(atoi(c + 1)))
			continue;
		seen++;
		if (q) {
			n++;
			printf("#   netns %d: ss: %s", ns, line);
		}
	}
	pclose(f);
	return seen ? n : -1;
}

/* Every client of the last restart queued on a listener: nothing waits for a
 * timer yet (a request's first SYN+ACK timer fires 1 s after its SYN).
 */
static void probe_wait_queued(void)
{
	int ns, g, i, k, h;
	bool all;

	for (i = 0; i < 20; i++) {
		all = true;
		for (ns = 0; ns < nr_ns; ns++) {
			in_ns(ns);
			rows_read();
			for (g = 0; g < NR_GROUPS; g++) {
				struct group *gr = &groups[ns][g];

				if (probes[ns][g].err)
					continue;
				for (h = 0, k = 0; k < MAX_L; k++)
					if (gr->fd[k] >= 0 && !gr->shut[k])
						h += held_by(gr->fd[k]);
				all &= h == probes[ns][g].n_cli;
			}
		}
		if (all)
			return;
		usleep(100000);
	}
}

/* Children move at shutdown(), requests at their next SYN+ACK timer (1, 3, 7 s
 * after the SYN): 12 s at most.
 */
static void probe_wait_moved(void)
{
	int ns, g, i;
	bool all;

	for (i = 0; i < 48; i++) {
		usleep(250000);
		all = true;
		for (ns = 0; ns < nr_ns; ns++) {
			in_ns(ns);
			rows_read();
			for (g = 0; g < NR_GROUPS; g++)
				all &= probe_done(ns, g);
		}
		if (all)
			return;
	}
}

/* The last rolling restart of every group, with the knob on unless -k 0: two
 * TAP lines, the SYN queues as /proc/net/tcp shows them, the accept queues as
 * ss shows them.
 */
static void last_restart(unsigned int seed)
{
	struct worker w = { .seed = seed, .cur_ns = -1 };
	int ns, g, moved_q = 0, total_q = 0, all_q = 0, bad_q = 0;
	int moved_r = 0, total_r = 0, all_r = 0, left_r = 0, bad_r = 0;
	struct probe *pr;
	bool good;

	for (ns = 0; ns < nr_ns; ns++) {
		in_ns(ns);
		knob_write(knob_mode == 0 ? "0" : "1", 1);
		for (g = 0; g < NR_GROUPS; g++)
			probe_setup(&w, ns, g);
	}
	phase("the last restart's clients are connected");
	probe_wait_queued();
	for (ns = 0; ns < nr_ns; ns++) {
		in_ns(ns);
		rows_read();
		for (g = 0; g < NR_GROUPS; g++)
			if (!probes[ns][g].err)
				probe_restart(ns, g);
	}
	phase("all but one listener of each group are shut down");
	probe_wait_moved();

	for (ns = 0; ns < nr_ns; ns++) {
		in_ns(ns);
		for (g = 0; g < NR_GROUPS; g++)
			probes[ns][g].ss_recvq = -1;
		ss_recvq(ns);
	}
	for (ns = 0; ns < nr_ns; ns++)
		for (g = 0; g < NR_GROUPS; g++) {
			pr = &probes[ns][g];
			if (pr->err) {
				printf("# netns %d port %d: last restart not run: %s\n", ns, PORT_BASE + g, pr->err);
				if (is_defer(g))
					bad_r++;
				else
					bad_q++;
				continue;
			}
			if (is_defer(g)) {
				good = pr->held == pr->total && !pr->on_shut && pr->to_move > 0;
				all_r += pr->total;
				total_r += pr->to_move;
				moved_r += pr->held - (pr->total - pr->to_move);
				left_r += pr->on_shut;
				bad_r += !good;
			} else {
				good = pr->ss_recvq == pr->total && pr->to_move > 0;
				all_q += pr->total;
				total_q += pr->to_move;
				moved_q += pr->ss_recvq - (pr->total - pr->to_move);
				bad_q += !good;
			}
			printf("# netns %d port %d: %d %s of %d clients on the listeners, %d on those shut down; "
			       "the one left holds %d (accept queue %d, ss Recv-Q %d), %d requests on shut-down ones%s\n",
			       ns, PORT_BASE + g, pr->total, is_defer(g) ? "requests" : "children", pr->n_cli,
			       pr->to_move, pr->held, pr->queued, is_defer(g) ? -1 : pr->ss_recvq,
			       pr->on_shut, good ? "" : ": FAIL");
		}
	tap(!bad_r, "last restart, SYN queues (/proc/net/tcp): the requests of the listeners shut down "
	    "moved to the one left: %d of %d (of %d in all), %d left on a shut-down listener",
	    moved_r, total_r, all_r, left_r);
	tap(!bad_q, "last restart, accept queues (ss -Htlne in each netns): the children of the listeners "
	    "shut down are in the Recv-Q of the one left: %d of %d (of %d in all)", moved_q, total_q, all_q);
}

/* --- the group churn: -G, -Z, -A, -S -------------------------------------
 * Each piece runs beside the workers, in a network namespace of its own with
 * the knob on, for the same time, and adds its own TAP line.
 */
#define PORT_BIG	20400
#define BIG_GROUP	32768	/* a group holds at most this many sockets (u16) */
#define BIG_SHUT	4096	/* of them shut down at the start */
#define BIG_MORE	4096	/* listeners that may join the full group */
#define PORT_SHUT_BPF	20500	/* + 1 for IPv6 */
#define PORT_SOCKMAP	20600	/* + 1 for IPv6 */

static int sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (void *)&ss, &len))
		return -1;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					       ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* An SO_REUSEPORT listener on loopback port @port (0: any), or -1. */
static int lo_listener(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback_addr(&ss, family, port);
	int one = 1, fd;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (void *)&ss, len) || listen(fd, 64)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A client of loopback port @port, its handshake done and 4 bytes sent, or -1. */
static int lo_client(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback_addr(&ss, family, port), elen = sizeof(int);
	int fd, err = 0;
	struct pollfd p;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	set_linger0(fd);
	if (connect(fd, (void *)&ss, len) && errno != EINPROGRESS)
		goto err;
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, 5000) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) || err ||
	    send(fd, &port, sizeof(port), MSG_NOSIGNAL) != sizeof(port))
		goto err;
	return fd;
err:
	close(fd);
	return -1;
}

static void close_all(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Accept on the @n listeners @fds until @want children came or 10 s passed (the
 * debug kernel under TCG, with the u16-limit group beside, is slow); @got[i]
 * counts those of fds[i].  A child must have the local port of the listener that
 * accepted it: @cross counts those that do not.  Returns the children accepted.
 */
static int accept_from(const int *fds, int n, int want, int *got, atomic_long *cross)
{
	struct pollfd p[8];
	int i, c, total = 0, t;

	for (i = 0; i < n; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
		got[i] = 0;
	}
	for (t = 0; t < 100 && total < want; t++) {
		poll(p, n, 100);
		for (i = 0; i < n; i++)
			while ((c = accept4(fds[i], NULL, NULL, SOCK_CLOEXEC)) >= 0) {
				got[i]++;
				total++;
				if (cross && sock_port(c) != sock_port(fds[i]) &&
				    atomic_fetch_add(cross, 1) < 5)
					fprintf(stderr, "VIOLATION: a connection to port %d accepted on the listener of port %d\n",
						sock_port(c), sock_port(fds[i]));
				set_linger0(c);
				close(c);
			}
	}
	return total;
}

/* The time of the run, and past it (two minutes at most) until the piece has
 * done one round: on the debug kernel a round may take tens of seconds.
 */
static bool churn_more(atomic_long *rounds)
{
	struct timespec now;

	if (time_left())
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return !*rounds && now.tv_sec < t_end.tv_sec + 120;
}

static void churn_enter(int ns)
{
	if (setns(ns, CLONE_NEWNET))
		fail("setns churn");
	if (knob_write("1", 1))
		fail("knob");
}

/* -Z: a listener bound to port 0 joins a group with a sibling bound to its port,
 * is shut down (it gives its port back) and listens again (it gets another
 * port).  It must not stay in the group of its first port: connections to
 * either port are accepted on a listener of that port only.
 */
static atomic_long z_rounds, z_cross, z_relisten_err, z_same_port, z_conns, z_accepted;

static void *port0_main(void *arg)
{
	int fd[2], cli[8], got[2], round = 0, family, p1, p2, i, n;

	churn_enter((int)(long)arg);
	while (churn_more(&z_rounds)) {
		family = round++ & 1 ? AF_INET6 : AF_INET;
		fd[0] = lo_listener(family, 0);
		p1 = fd[0] >= 0 ? sock_port(fd[0]) : -1;
		fd[1] = p1 > 0 ? lo_listener(family, p1) : -1;
		if (fd[1] < 0) {
			close_all(fd, fd[0] >= 0 ? 1 : 0);
			continue;
		}
		shutdown(fd[0], SHUT_RDWR);
		if (listen(fd[0], 64)) {
			atomic_fetch_add(&z_relisten_err, 1);
			close_all(fd, 2);
			continue;
		}
		p2 = sock_port(fd[0]);
		if (p2 == p1)
			atomic_fetch_add(&z_same_port, 1);
		for (n = 0, i = 0; i < 8; i++) {
			cli[n] = lo_client(family, i & 1 ? p2 : p1);
			n += cli[n] >= 0;
		}
		atomic_fetch_add(&z_conns, n);
		atomic_fetch_add(&z_accepted, accept_from(fd, 2, n, got, &z_cross));
		close_all(cli, n);
		close_all(fd, 2);
		atomic_fetch_add(&z_rounds, 1);
	}
	return NULL;
}

/* -A: three listeners and a fourth shut down.  A classic program that sends
 * everything to socks[0], attached through the shut-down one, must not steer
 * the live listeners; attached through a live one it must; detached through
 * the shut-down one, it must stay.  16 connections each time (all on one of
 * three listeners by hash: 1 in 14 million); a round where one of them did not
 * connect or was not accepted in time says nothing and is not counted.
 */
static atomic_long sb_rounds, sb_setup_err, sb_attach_steered, sb_no_steer, sb_detach_removed, sb_slow;
static atomic_long sb_attach_res[3], sb_detach_res[3];	/* 0, ENOENT, another error */

static void res_count(atomic_long *res, int ret)
{
	atomic_fetch_add(&res[!ret ? 0 : errno == ENOENT ? 1 : 2], 1);
}

/* 16 connections to @port: the most that one of the 3 listeners @fd accepted,
 * or -1 if not all 16 connected and were accepted.
 */
static int steer_count(int family, int port, const int *fd)
{
	int cli[16], got[3], n, i, max = 0;

	for (n = 0, i = 0; i < 16; i++) {
		cli[n] = lo_client(family, port);
		n += cli[n] >= 0;
	}
	if (n < 16 || accept_from(fd, 3, n, got, NULL) != 16)
		max = -1;
	close_all(cli, n);
	for (i = 0; i < 3 && max >= 0; i++)
		max = got[i] > max ? got[i] : max;
	return max;
}

static void *shut_bpf_main(void *arg)
{
	struct sock_filter ret0 = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &ret0 };
	int fd[4], steer[3], round = 0, family, port, i, zero = 0;

	churn_enter((int)(long)arg);
	while (churn_more(&sb_rounds)) {
		family = round++ & 1 ? AF_INET6 : AF_INET;
		port = PORT_SHUT_BPF + (family == AF_INET6);
		for (i = 0; i < 4; i++)
			fd[i] = lo_listener(family, port);
		if (fd[0] < 0 || fd[1] < 0 || fd[2] < 0 || fd[3] < 0 || shutdown(fd[3], SHUT_RDWR)) {
			atomic_fetch_add(&sb_setup_err, 1);
			close_all(fd, 4);
			continue;
		}
		res_count(sb_attach_res, setsockopt(fd[3], SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF,
						    &prog, sizeof(prog)));
		steer[0] = steer_count(family, port, fd);
		setsockopt(fd[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog));
		steer[1] = steer_count(family, port, fd);
		res_count(sb_detach_res, setsockopt(fd[3], SOL_SOCKET, SO_DETACH_REUSEPORT_BPF,
						    &zero, sizeof(zero)));
		steer[2] = steer_count(family, port, fd);
		close_all(fd, 4);
		if (steer[0] < 0 || steer[1] < 0 || steer[2] < 0) {
			atomic_fetch_add(&sb_slow, 1);
			continue;
		}
		if (steer[0] == 16 && atomic_fetch_add(&sb_attach_steered, 1) < 5)
			fprintf(stderr, "VIOLATION: a program attached through a shut-down listener steers its live siblings\n");
		if (steer[1] != 16)
			atomic_fetch_add(&sb_no_steer, 1);
		if (steer[2] != 16 && atomic_fetch_add(&sb_detach_removed, 1) < 5)
			fprintf(stderr, "VIOLATION: detaching through a shut-down listener removed its live siblings' program\n");
		atomic_fetch_add(&sb_rounds, 1);
	}
	return NULL;
}

/* -S: a SELECT_OR_MIGRATE program that puts ctx->migrating_sk into a sockhash
 * or sockmap, on a group of two; eight children queued, then the listener with
 * the program closes: its children move with the program run for each, under
 * the child's bh_lock_sock().  All eight must then be accepted.
 */
static int sockmap_fd[2], sockmap_prog[2] = { -1, -1 };
static atomic_long sm_rounds, sm_conns, sm_accepted;

static void *sockmap_main(void *arg)
{
	int fd[2], cli[8], got[1], round = 0, family, port, i, n, p;

	churn_enter((int)(long)arg);
	while (churn_more(&sm_rounds)) {
		family = round & 1 ? AF_INET6 : AF_INET;
		p = sockmap_prog[(round++ >> 1) & 1];
		port = PORT_SOCKMAP + (family == AF_INET6);
		fd[0] = lo_listener(family, port);
		fd[1] = lo_listener(family, port);
		if (fd[0] < 0 || fd[1] < 0 ||
		    setsockopt(fd[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &p, sizeof(p))) {
			close_all(fd, 2);
			continue;
		}
		for (n = 0, i = 0; i < 8; i++) {
			cli[n] = lo_client(family, port);
			n += cli[n] >= 0;
		}
		close(fd[0]);
		atomic_fetch_add(&sm_conns, n);
		atomic_fetch_add(&sm_accepted, accept_from(&fd[1], 1, n, got, NULL));
		close_all(cli, n);
		close(fd[1]);
		atomic_fetch_add(&sm_rounds, 1);
	}
	return NULL;
}

/* -G: one group at the u16 limit, with closed members.  Over and over, a
 * listener is shut down (it goes to the front of the closed section) and a new
 * listener joins the full group: that evicts the closed member in the last
 * slot, and the front one takes its place, to be evicted by the next join.
 * As a listener joins, two threads detach and attach programs through that
 * next one; a client thread connects; now and then a shut-down member listens
 * again.
 * A file descriptor number always names a socket of the group (a new listener
 * takes the number of one evicted a cycle before, with dup2()), so that the
 * threads need no lock (which would serialize the very calls that race).
 */
static int churn_ns[4];	/* -G, -Z, -A, -S */
static int big_fd[BIG_GROUP + BIG_MORE];
static bool big_shut[BIG_GROUP + BIG_MORE];
/* shut down when an attach through it succeeded: it has a group of its own
 * then, and listen() on it gets EADDRINUSE (ip-sysctl.rst, tcp_migrate_req)
 */
static atomic_bool big_own[BIG_GROUP + BIG_MORE];
static atomic_int nr_big, big_target_i = -1, big_joining, big_cycle;
/* big_relisten: done, EADDRINUSE after an attach gave a group of its own, other errors */
static atomic_long big_join[2], big_shutdowns, big_relisten[3], big_detach[3], big_attach[3], big_conns;
static atomic_int big_relisten_errno;

static int big_listener(void)
{
	return lo_listener(AF_INET, PORT_BIG);
}

/* Setup and teardown of the group in two threads: 32768 listeners take
 * minutes on the debug kernel under TCG.
 */
struct big_part {
	pthread_t th;
	int from, to;
	bool close;
};

static void *big_part_main(void *arg)
{
	struct big_part *bp = arg;
	int i;

	if (setns(churn_ns[0], CLONE_NEWNET))
		fail("setns");
	for (i = bp->from; i < bp->to; i++) {
		if (bp->close) {
			close(big_fd[i]);
			continue;
		}
		big_fd[i] = big_listener();
		if (big_fd[i] < 0)
			fail("a listener of the u16-limit group");
	}
	return NULL;
}

static void big_parts(bool close, int n)
{
	struct big_part bp[2] = {
		{ .from = 0, .to = n / 2, .close = close },
		{ .from = n / 2, .to = n, .close = close },
	};
	int i;

	for (i = 0; i < 2; i++)
		if (pthread_create(&bp[i].th, NULL, big_part_main, &bp[i]))
			fail("pthread_create");
	for (i = 0; i < 2; i++)
		pthread_join(bp[i].th, NULL);
}

static void big_setup(int ns)
{
	struct rlimit r = { BIG_GROUP + BIG_MORE + 4096, BIG_GROUP + BIG_MORE + 4096 };
	struct timespec a, b;
	int i;

	if (setrlimit(RLIMIT_NOFILE, &r))
		fail("RLIMIT_NOFILE");
	churn_enter(ns);
	clock_gettime(CLOCK_MONOTONIC, &a);
	big_parts(false, BIG_GROUP);
	for (i = 0; i < BIG_GROUP; i += BIG_GROUP / BIG_SHUT) {
		if (shutdown(big_fd[i], SHUT_RDWR))
			fail("shutdown in the u16-limit group");
		big_shut[i] = true;
	}
	nr_big = BIG_GROUP;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("# u16-limit group: %d listeners on port %d, %d of them shut down, in %ld s\n",
	       BIG_GROUP, PORT_BIG, BIG_SHUT, (long)(b.tv_sec - a.tv_sec));
	if (setns(main_ns, CLONE_NEWNET))
		fail("setns main");
}

static void *big_joiner(void *arg)
{
	unsigned int seed = 4242;
	int i, j, fd, r, prev = -1, older = -1, cycle = 0;

	churn_enter((int)(long)arg);
	while (time_left()) {
		for (r = 0; r < 64; r++) {
			i = rand_r(&seed) % nr_big;
			if (!big_shut[i])
				break;
		}
		if (big_shut[i] || shutdown(big_fd[i], SHUT_RDWR))
			continue;
		big_shut[i] = true;
		atomic_fetch_add(&big_shutdowns, 1);
		big_cycle++;
		big_joining = 1;
		fd = big_listener();
		big_joining = 0;
		atomic_fetch_add(&big_join[fd < 0], 1);
		if (fd < 0) {
			/* nothing evicted: start the chain again */
			prev = older = -1;
			continue;
		}
		if (older >= 0) {
			/* evicted by the join of the cycle before */
			if (dup2(fd, big_fd[older]) < 0)
				fail("dup2");
			close(fd);
			big_shut[older] = false;
			big_own[older] = false;
		} else if (nr_big < BIG_GROUP + BIG_MORE) {
			big_fd[nr_big] = fd;
			nr_big++;
		} else {
			close(fd);
		}
		/* the join evicted prev; i is in the last slot now, the next to go */
		older = prev;
		prev = i;
		big_target_i = i;
		if (++cycle % 16)
			continue;
		j = rand_r(&seed) % nr_big;
		if (big_shut[j] && j != prev && j != older) {
			r = listen(big_fd[j], 64);
			if (!r) {
				big_shut[j] = false;
				atomic_fetch_add(&big_relisten[0], 1);
			} else if (errno == EADDRINUSE && big_own[j]) {
				atomic_fetch_add(&big_relisten[1], 1);
			} else {
				big_relisten_errno = errno;
				atomic_fetch_add(&big_relisten[2], 1);
			}
		}
	}
	return NULL;
}

static void *big_bpf(void *arg)
{
	struct sock_filter ret0 = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog cprog = { .len = 1, .filter = &ret0 };
	unsigned int seed = (unsigned int)(long)arg;
	int fd, i, r, zero = 0, p = progs[0], seen = 0, calls = 0;
	bool shut;

	while (time_left()) {
		/* two calls as a listener joins: more would only contend for
		 * reuseport_lock, taken with softirqs off, and slow the whole
		 * debug kernel to a crawl
		 */
		i = big_target_i;
		fd = i < 0 ? -1 : big_fd[i];
		if (fd < 0 || !big_joining || (seen == big_cycle && calls >= 2)) {
			sched_yield();
			continue;
		}
		if (seen != big_cycle) {
			seen = big_cycle;
			calls = 0;
		}
		calls++;
		/* now and then a program on the live group, for detach to take */
		if (rand_r(&seed) % 64 == 0) {
			i = rand_r(&seed) % nr_big;
			shut = big_shut[i];
			/* shut down before or after: a group of its own, or
			 * the live group's program (then only a later
			 * EADDRINUSE of it goes unexplained)
			 */
			if (!setsockopt(big_fd[i], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &p, sizeof(p)) &&
			    (shut || big_shut[i]))
				big_own[i] = true;
			continue;
		}
		if (rand_r(&seed) % 2) {
			res_count(big_detach, setsockopt(fd, SOL_SOCKET, SO_DETACH_REUSEPORT_BPF,
							 &zero, sizeof(zero)));
		} else {
			shut = big_shut[i];
			r = setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &cprog, sizeof(cprog));
			res_count(big_attach, r);
			if (!r && (shut || big_shut[i]))
				big_own[i] = true;
		}
	}
	return NULL;
}

static void *big_client(void *arg)
{
	unsigned int seed = 77;
	int fd, c, i;

	churn_enter((int)(long)arg);
	while (time_left()) {
		fd = lo_client(AF_INET, PORT_BIG);
		if (fd >= 0) {
			atomic_fetch_add(&big_conns, 1);
			close(fd);
		}
		i = rand_r(&seed) % nr_big;
		while ((c = accept4(big_fd[i], NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(c);
	}
	return NULL;
}

/* The knob off first: a listener leaving the group then goes at once, not
 * through the closed section (which is searched after all listening ones).
 */
static void big_teardown(void)
{
	churn_enter(churn_ns[0]);
	knob_write("0", 1);
	big_parts(true, nr_big);
	if (setns(main_ns, CLONE_NEWNET))
		fail("setns main");
}

#define MAX_CHURN_THREADS 8
static pthread_t churn_th[MAX_CHURN_THREADS];
static int nr_churn_th;

static void churn_thread(void *(*fn)(void *), long arg)
{
	if (pthread_create(&churn_th[nr_churn_th++], NULL, fn, (void *)arg))
		fail("pthread_create");
}

/* Namespaces, maps, programs, and the u16-limit group: before the clock starts. */
static void churn_setup(void)
{
	static const int types[2] = { BPF_MAP_TYPE_SOCKHASH, BPF_MAP_TYPE_SOCKMAP };
	int i;

	for (i = 0; i < 4; i++) {
		churn_ns[i] = -1;
		if (!(i == 0 ? churn_big : i == 1 ? churn_port0 : i == 2 ? churn_shut_bpf : churn_sockmap))
			continue;
		churn_ns[i] = netns_new();
		if (churn_ns[i] < 0)
			fail("netns");
	}
	if (churn_sockmap)
		for (i = 0; i < 2; i++) {
			sockmap_fd[i] = sockmap_create(types[i], 16);
			if (sockmap_fd[i] < 0)
				fail(i ? "SOCKMAP" : "SOCKHASH");
			sockmap_prog[i] = prog_load_kind(P_SOCKMAP_UPDATE, ATTACH_REUSEPORT_MIGRATE, sockmap_fd[i]);
			if (sockmap_prog[i] < 0)
				printf("# a SELECT_OR_MIGRATE program updating a %s with ctx->migrating_sk "
				       "does not load: %s\n", i ? "sockmap" : "sockhash", strerror(errno));
			else
				progs[nr_progs++] = sockmap_prog[i];
		}
	if (churn_big)
		big_setup(churn_ns[0]);
}

static void churn_start(void)
{
	if (churn_big) {
		churn_thread(big_joiner, churn_ns[0]);
		churn_thread(big_bpf, 1);
		churn_thread(big_bpf, 2);
		churn_thread(big_client, churn_ns[0]);
	}
	if (churn_port0)
		churn_thread(port0_main, churn_ns[1]);
	if (churn_shut_bpf)
		churn_thread(shut_bpf_main, churn_ns[2]);
	if (churn_sockmap && sockmap_prog[0] >= 0 && sockmap_prog[1] >= 0)
		churn_thread(sockmap_main, churn_ns[3]);
}

/* The churn threads end; their sockets go; one TAP line per piece. */
static void churn_end(void)
{
	long s;
	int i;

	for (i = 0; i < nr_churn_th; i++)
		pthread_join(churn_th[i], NULL);
	if (churn_big) {
		big_teardown();
		tap(big_join[0] > 0 && !big_join[1] && !big_detach[2] && !big_attach[2] && !big_relisten[2],
		    "a group at the u16 limit (%d sockets, %d shut down to start with): %ld listeners joined it, "
		    "each evicting a closed member (%ld could not), %ld shut down, %ld listened again "
		    "(%ld EADDRINUSE after an attach gave them a group of their own, %ld other errors%s%s); "
		    "through the next closed member to be evicted %ld detach (%ld ENOENT, %ld other errors) and "
		    "%ld attach (%ld ENOENT, %ld other errors); %ld connections",
		    BIG_GROUP, BIG_SHUT, big_join[0], big_join[1], big_shutdowns, big_relisten[0], big_relisten[1],
		    big_relisten[2], big_relisten[2] ? ", the last " : "",
		    big_relisten[2] ? strerror(big_relisten_errno) : "",
		    big_detach[0] + big_detach[1] + big_detach[2], big_detach[1], big_detach[2],
		    big_attach[0] + big_attach[1] + big_attach[2], big_attach[1], big_attach[2], big_conns);
	}
	if (churn_port0)
		tap(z_rounds > 0 && z_accepted > 0 && !z_cross,
		    "listeners bound to port 0, shut down and listening again on another port: %ld rounds "
		    "(%ld on the same port, %ld listen() failed), %ld of %ld connections accepted, "
		    "%ld of them on a listener of another port", z_rounds, z_same_port, z_relisten_err,
		    z_accepted, z_conns, z_cross);
	if (churn_shut_bpf)
		tap(sb_rounds > 0 && !sb_attach_steered && !sb_detach_removed && !sb_no_steer,
		    "programs through a shut-down listener: %ld rounds (%ld not set up, %ld with a connection "
		    "too slow to judge); attach (%ld ok, %ld ENOENT, %ld other errors) steered the live group %ld "
		    "times; detach (%ld ok, %ld ENOENT, %ld other errors) removed its program %ld times; a program "
		    "attached through a live one did not steer %ld times", sb_rounds, sb_setup_err, sb_slow,
		    sb_attach_res[0], sb_attach_res[1], sb_attach_res[2], sb_attach_steered, sb_detach_res[0],
		    sb_detach_res[1], sb_detach_res[2], sb_detach_removed, sb_no_steer);
	if (churn_sockmap) {
		if (setns(churn_ns[3], CLONE_NEWNET))
			fail("setns");
		s = tcpext("TCPMigrateReqSuccess");
		if (sockmap_prog[0] < 0 || sockmap_prog[1] < 0)
			tap(true, "SELECT_OR_MIGRATE programs putting ctx->migrating_sk into a sockhash or sockmap: "
			    "refused at load");
		else
			tap(sm_rounds > 0 && s > 0 && sm_accepted == sm_conns,
			    "SELECT_OR_MIGRATE programs putting ctx->migrating_sk into a sockhash or sockmap: "
			    "%ld closes of the listener they run for, TCPMigrateReqSuccess %ld, %ld of %ld children "
			    "accepted", sm_rounds, s, sm_accepted, sm_conns);
		if (setns(main_ns, CLONE_NEWNET))
			fail("setns main");
	}
	for (i = 0; i < 4; i++)
		if (churn_ns[i] >= 0)
			close(churn_ns[i]);
	for (i = 0; i < 2; i++)
		if (churn_sockmap)
			close(sockmap_fd[i]);
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
	long mig_ok = 0, mig_fail = 0, total_ok = 0, total_err = 0, churn_tagged;
	int opt, ns, g, i, kinds[] = { 0, ATTACH_REUSEPORT_SELECT, ATTACH_REUSEPORT_MIGRATE };
	struct timespec t0;
	int busy;
	bool ok;

	while ((opt = getopt(argc, argv, "t:w:n:s:Vk:MT:GZASC")) != -1) {
		switch (opt) {
		case 't': seconds = atoi(optarg); break;
		case 'w': nr_workers = atoi(optarg); break;
		case 'n': nr_ns = atoi(optarg); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'V': veth = false; break;
		case 'k': knob_mode = atoi(optarg) ? 1 : 0; break;
		case 'M': no_migrate_progs = true; break;
		case 'T': tap_start = atoi(optarg); break;
		case 'G': churn_big = true; break;
		case 'Z': churn_port0 = true; break;
		case 'A': churn_shut_bpf = true; break;
		case 'S': churn_sockmap = true; break;
		case 'C': churn_big = churn_port0 = churn_shut_bpf = churn_sockmap = true; break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-w WORKERS] [-n NETNS] [-s SEED] [-V] [-k 0|1] [-M] "
				"[-T N] [-G] [-Z] [-A] [-S] [-C]\n",
				argv[0]);
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
	alarm(seconds + 420);
	printf("migrate_stress: %d s, %d workers, %d server netns%s, seed %u, knob %s%s\n", seconds,
	       nr_workers, nr_ns, veth ? " + a veth client netns" : "", seed,
	       knob_mode < 0 ? "random" : knob_mode ? "1" : "0",
	       no_migrate_progs ? ", no SELECT_OR_MIGRATE program" : "");
	alloc_at_start = tcp_alloc();
	clock_gettime(CLOCK_MONOTONIC, &t_start);

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
			int fd;

			if (no_migrate_progs && kinds[g] == ATTACH_REUSEPORT_MIGRATE)
				continue;
			fd = prog_load_kind(i, kinds[g], map_fd);

			if (fd >= 0)
				progs[nr_progs++] = fd;
			else if (kinds[g] == ATTACH_REUSEPORT_MIGRATE)
				fail("loading a SELECT_OR_MIGRATE program (BPF_VERBOSE=1 shows the log)");
		}
	/* bpf_get_socket_cookie() of sk and migrating_sk: the series offers it */
	i = no_migrate_progs ? -2 : prog_load_kind(P_COOKIE, ATTACH_REUSEPORT_MIGRATE, map_fd);
	if (i == -2)
		;
	else if (i >= 0)
		progs[nr_progs++] = i;
	else
		printf("migrate_stress: KERNEL BUG? a SELECT_OR_MIGRATE program calling bpf_get_socket_cookie() "
		       "does not load (%s; BPF_VERBOSE=1 shows the verifier log): left out\n", strerror(errno));
	for (i = 0; i < 4; i++) {
		/* classic path: the index is the return value; expected type 40 changes nothing */
		int fd = socket_filter_load(i, i == 3 ? ATTACH_REUSEPORT_MIGRATE : 0);

		if (fd < 0)
			fail("loading a socket filter");
		progs[nr_progs++] = fd;
	}

	churn_setup();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t_end = t0;
	t_end.tv_sec += seconds;
	churn_start();
	for (i = 0; i < nr_workers; i++) {
		workers[i].seed = seed + 7919 * (i + 1);
		workers[i].cur_ns = -1;
		if (pthread_create(&workers[i].th, NULL, worker_main, &workers[i]))
			fail("pthread_create");
	}
	for (i = 0; i < nr_workers; i++)
		pthread_join(workers[i].th, NULL);
	phase("the workers are done");
	churn_end();

	/* Quiesce: the clients are closed (RST); SYN+ACKs reach the client namespace
	 * again so that its closed ones answer with RST; accept what is left.
	 */
	if (veth) {
		if (setns(ns_fd[0], CLONE_NEWNET) || arp_set(cli_mac))
			fail("neighbour back");
	}
	phase("the churn threads are done");
	sleep(2);
	drain_all();
	ok = settled(20, true);
	tap(ok, "after the churn: no request left, no listener with a queue count or a reference "
	    "for one, no child kept by a listener that was shut down (%d listeners, %d shut down)",
	    tcp_fds_held(), tcp_fds_held() - listening_all());

	/* the churn's counters and children */
	for (ns = 0; ns < nr_ns; ns++) {
		long s, f;

		in_ns(ns);
		s = tcpext("TCPMigrateReqSuccess");
		f = tcpext("TCPMigrateReqFailure");
		printf("# netns %d: TCPMigrateReqSuccess %ld TCPMigrateReqFailure %ld knob %d\n",
		       ns, s, f, knob_get());
		mig_ok += s;
		mig_fail += f;
	}
	churn_tagged = n_tagged;
	printf("# the churn's accepted children: %ld with their whole tag (%ld without data yet, "
	       "%ld reset before it; Fast Open groups: %ld accepted)\n",
	       churn_tagged, n_untagged, n_reset, n_accepted_tfo);
	tap(mig_ok > 0, "the churn migrated: TCPMigrateReqSuccess %ld (TCPMigrateReqFailure %ld)",
	    mig_ok, mig_fail);

	phase("the last restart");
	last_restart(seed);
	phase("settling");

	/* the children of the restart are checked; the clients go; all settles */
	drain_all();
	for (ns = 0; ns < nr_ns; ns++)
		for (g = 0; g < NR_GROUPS; g++)
			for (i = 0; i < probes[ns][g].n_cli; i++)
				close(probes[ns][g].cli[i]);
	ok = settled(20, true);
	tap(ok, "after the last restart: no request left, no listener with a queue count or a reference "
	    "for one, no child kept by a listener that was shut down");
	busy = 0;
	for (ns = 0; ns < nr_ns; ns++) {
		int b;

		in_ns(ns);
		b = ss_busy(ns);
		if (b < 0)
			printf("# netns %d: ss -Htln shows none of the listeners\n", ns);
		busy += b ? 1 : 0;
	}
	tap(!busy, "ss -Htln in each netns, before teardown: no listener with a non-zero Recv-Q");
	tap(n_tagged > 0 && !n_violations && !n_short && !n_eof,
	    "children accepted with their whole tag: %ld (%ld in the churn, the rest in the last restart); "
	    "none crossed a group or netns, none lost its tag: %ld crossed, %ld with part of it, "
	    "%ld ended before it", n_tagged, churn_tagged, n_violations, n_short, n_eof);
	if (setns(main_ns, CLONE_NEWNET))
		fail("setns main");

	phase("teardown");
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
		printf("# op %-13s ok %8ld  failed %8ld\n", op_name[i], n_ok[i], n_err[i]);
		total_ok += n_ok[i];
		total_err += n_err[i];
	}
	printf("# operations %ld (ok %ld, failed %ld: the random ones that did not apply)\n",
	       total_ok + total_err, total_ok, total_err);
	phase("done");
	if (!tap_start)
		printf("1..%d\n", tests);
	printf("migrate_stress: %d of %d checks failed\n", failures, tests);
	return failures ? 1 : 0;
}
