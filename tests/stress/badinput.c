// SPDX-License-Identifier: GPL-2.0
/*
 * badinput: what migration must refuse or ignore, one TAP line per check.
 *
 * - the knob takes 0 and 1 only: 2, -1, "abc" and "" get EINVAL and leave it;
 * - SK_REUSEPORT programs load for expected attach types 0 (SELECT), 39 and 40
 *   only; BPF_PROG_ATTACH refuses the reserved 38 (EOPNOTSUPP) and 39/40 (EINVAL);
 * - a SOCKET_FILTER loaded with expected attach type 40, or a SELECT program,
 *   does not turn migration on;
 * - a program that picks a listener of another group, of another netns, of
 *   another user, a UDP socket or a closed listener: that socket is never used,
 *   neither for a new connection nor for a migrating child;
 * - a listener of another user cannot join a group.
 * Each scenario runs in network namespaces of its own.  Must run as root.
 */
#include "common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/wait.h>

#define PORT	20300

static int map_fd;

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static int knob_set(int v)
{
	return knob_write(v ? "1" : "0", 1);
}

/* --- the knob --------------------------------------------------------------- */

static void test_knob(void)
{
	static const struct { const char *val, *name; } bad[] = {
		{ "2", "2" }, { "-1", "-1" }, { "abc", "\"abc\"" }, { "\n", "\"\" (echo '' >knob)" },
		{ "1x", "\"1x\"" }, { "256", "256 (wraps to 0 in a u8)" },
	};
	int old = knob_get(), start, i;

	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		int all = 1;

		for (start = 0; start <= 1; start++) {
			int err;

			knob_set(start);
			err = knob_write(bad[i].val, strlen(bad[i].val));
			if (err != -EINVAL || knob_get() != start) {
				all = 0;
				printf("# knob %d, write %s: %s, knob now %d\n", start, bad[i].name,
				       err ? strerror(-err) : "accepted", knob_get());
			}
		}
		tap(all, "knob: writing %s fails with EINVAL and leaves 0 and 1 unchanged", bad[i].name);
	}
	knob_set(1);
	tap(knob_write("", 0) == 0 && knob_get() == 1, "knob: a zero-length write changes nothing");
	knob_set(old < 0 ? 0 : old);
}

/* --- program types and attach types ----------------------------------------- */

static void test_load(void)
{
	struct bpf_insn pass[] = { MOV64_IMM(BPF_REG_0, SK_PASS), EXIT() };
	static const struct { int expected, ok; const char *name; } cases[] = {
		{ 0, 1, "0 (BPF_CGROUP_INET_INGRESS: SELECT)" },
		{ ATTACH_REUSEPORT_SELECT, 1, "39 (SELECT)" },
		{ ATTACH_REUSEPORT_MIGRATE, 1, "40 (SELECT_OR_MIGRATE)" },
		{ ATTACH_SK_SKB_VERDICT, 0, "38 (SK_SKB_VERDICT)" },
		{ 41, 0, "41 (__MAX_BPF_ATTACH_TYPE)" },
		{ 1, 0, "1 (BPF_CGROUP_INET_EGRESS)" },
		{ 37, 0, "37 (BPF_XDP)" },
		{ 0x7fffffff, 0, "0x7fffffff" },
	};
	int i, fd;

	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		fd = prog_load(BPF_PROG_TYPE_SK_REUSEPORT, cases[i].expected, pass, 2);
		if (cases[i].ok)
			tap(fd >= 0, "load SK_REUSEPORT, expected attach type %s: accepted", cases[i].name);
		else
			tap(fd < 0 && errno == EINVAL,
			    "load SK_REUSEPORT, expected attach type %s: EINVAL (got %s)",
			    cases[i].name, fd < 0 ? strerror(errno) : "a program");
		if (fd >= 0)
			close(fd);
	}
}

/* Not bad input: the helper the series offers to sk_reuseport programs must load. */
static void test_cookie_helper(void)
{
	int fd = prog_load_kind(P_COOKIE, ATTACH_REUSEPORT_MIGRATE, map_fd);

	tap(fd >= 0, "load SELECT_OR_MIGRATE calling bpf_get_socket_cookie(ctx->sk), (ctx->migrating_sk): accepted (got %s)",
	    fd >= 0 ? "a program" : strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void test_prog_attach(void)
{
	struct bpf_insn pass[] = { MOV64_IMM(BPF_REG_0, SK_PASS), EXIT() };
	union bpf_attr a;
	int sockmap, skb, ru, ret, t;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_SOCKMAP;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 4;
	sockmap = sys_bpf(BPF_MAP_CREATE, &a);
	skb = prog_load(BPF_PROG_TYPE_SK_SKB, 0, pass, 2);
	ru = prog_load(BPF_PROG_TYPE_SK_REUSEPORT, ATTACH_REUSEPORT_MIGRATE, pass, 2);
	if (sockmap < 0 || skb < 0 || ru < 0)
		die("sockmap / SK_SKB / SK_REUSEPORT program");

	memset(&a, 0, sizeof(a));
	a.target_fd = sockmap;
	a.attach_bpf_fd = skb;
	a.attach_type = ATTACH_SK_SKB_VERDICT;
	ret = sys_bpf(BPF_PROG_ATTACH, &a);
	tap(ret < 0 && errno == EOPNOTSUPP, "BPF_PROG_ATTACH, attach type 38 (reserved) to a sockmap: EOPNOTSUPP (got %s)",
	    ret ? strerror(errno) : "attached");
	for (t = ATTACH_REUSEPORT_SELECT; t <= ATTACH_REUSEPORT_MIGRATE; t++) {
		a.attach_bpf_fd = ru;
		a.attach_type = t;
		ret = sys_bpf(BPF_PROG_ATTACH, &a);
		tap(ret < 0 && errno == EINVAL,
		    "BPF_PROG_ATTACH, attach type %d (reuseport programs attach with setsockopt): EINVAL (got %s)",
		    t, ret ? strerror(errno) : "attached");
	}
	close(sockmap);
	close(skb);
	close(ru);
}

/* --- scenarios: where does a connection, then its child, go ------------------ */

static int tcp_listener(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, addr, &a.sin_addr);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(fd, (void *)&a, sizeof(a)) || listen(fd, 16))
		die("listener");
	return fd;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

enum where { W_SIBLING, W_TARGET, W_RESET, W_LOST, W_NOWHERE };
static const char *where_name[] = { "the sibling", "THE TARGET", "reset", "LOST (no reset, not queued)", "NOWHERE" };

struct scenario {
	int prog;		/* attached to the group, or -1 */
	int target;		/* the socket the program points at (map[0]), or -1 */
	bool target_is_listener;
	int knob;
	const char *what;
};

/* Group A = {A1, A2} on 127.0.0.1:PORT in namespace @ns. A client connects; whichever of
 * A1/A2 holds the child is closed. Returns where the child went, and in *first whether
 * the connection first landed in group A (not on the target).
 */
static enum where scenario(int ns, struct scenario *sc, bool *first_ok, long *migrated)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int old = netns_self(), l[2], c, h, s, child;
	enum where w = W_NOWHERE;
	long before;
	char buf[4];

	if (setns(ns, CLONE_NEWNET))
		die("setns");
	knob_set(sc->knob);
	before = tcpext("TCPMigrateReqSuccess");
	l[0] = tcp_listener("127.0.0.1", PORT);
	l[1] = tcp_listener("127.0.0.1", PORT);
	if (sc->prog >= 0 && setsockopt(l[0], SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &sc->prog, sizeof(sc->prog)))
		die("SO_ATTACH_REUSEPORT_EBPF");
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(c, (void *)&a, sizeof(a)) || send(c, "x", 1, 0) != 1)
		die("connect");
	*first_ok = false;
	h = readable(l[0], 1000) ? 0 : readable(l[1], 1000) ? 1 : -1;
	if (sc->target >= 0 && sc->target_is_listener && readable(sc->target, 0))
		h = -1;
	if (h < 0) {
		printf("# %s: the new connection is in neither A1 nor A2\n", sc->what);
		goto out;
	}
	*first_ok = true;
	s = l[!h];
	close(l[h]);
	l[h] = -1;
	if (sc->target >= 0 && sc->target_is_listener && readable(sc->target, 300)) {
		w = W_TARGET;
	} else if (readable(s, 300)) {
		child = accept(s, NULL, NULL);
		/* the client's byte may still be in flight on a busy host */
		w = child >= 0 && readable(child, 1000) &&
		    recv(child, buf, 1, MSG_DONTWAIT) == 1 ? W_SIBLING : W_NOWHERE;
		if (child >= 0)
			close(child);
	} else {
		w = recv(c, buf, 1, MSG_DONTWAIT) < 0 && errno == ECONNRESET ? W_RESET : W_LOST;
	}
out:
	*migrated = tcpext("TCPMigrateReqSuccess") - before;
	close(c);
	if (l[0] >= 0)
		close(l[0]);
	if (l[1] >= 0)
		close(l[1]);
	knob_set(0);
	if (setns(old, CLONE_NEWNET))
		die("setns back");
	close(old);
	return w;
}

/* The scenario in netns @ns, or in a new one if @ns < 0. */
static void run(int ns, struct scenario *sc, enum where want)
{
	int own = ns < 0 ? netns_new() : -1;
	long migrated;
	bool first_ok;
	enum where w;

	if (ns < 0 && own < 0)
		die("netns");
	w = scenario(ns < 0 ? own : ns, sc, &first_ok, &migrated);
	tap(first_ok && w == want && (migrated > 0) == (want == W_SIBLING),
	    "%s: the child goes to %s (went to %s, TCPMigrateReqSuccess +%ld)",
	    sc->what, where_name[want], where_name[w], migrated);
	if (own >= 0)
		close(own);
}

/* Picks of bad targets, in netns @ns: map[0] holds @target (if @in_map), the program
 * picks map[0]: for the new connection, then for the child of the closed listener.
 */
static void run_target(int ns, int target, bool is_listener, bool in_map, const char *what)
{
	int sel = prog_load_kind(P_KEY0, ATTACH_REUSEPORT_MIGRATE, map_fd);
	struct scenario sc = { .prog = sel, .target = target, .target_is_listener = is_listener,
			       .knob = 0, .what = what };

	if (sel < 0)
		die("SELECT_OR_MIGRATE program");
	if (in_map) {
		map_delete(map_fd, 0);
		if (map_update(map_fd, 0, target, 8))
			die("sockarray update");
	}
	run(ns, &sc, W_SIBLING);
	map_delete(map_fd, 0);
	close(sel);
}

static void test_migration_off(void)
{
	int sf = socket_filter_load(0, ATTACH_REUSEPORT_MIGRATE);
	int sel = prog_load_kind(P_PASS, ATTACH_REUSEPORT_SELECT, map_fd);
	int sel0 = prog_load_kind(P_PASS, 0, map_fd);
	int mig = prog_load_kind(P_PASS, ATTACH_REUSEPORT_MIGRATE, map_fd);
	int drop = prog_load_kind(P_MIG_DROP, ATTACH_REUSEPORT_MIGRATE, map_fd);
	struct scenario sc[] = {
		{ -1, -1, false, 0, "knob 0, no program" },
		{ sf, -1, false, 0, "knob 0, SOCKET_FILTER loaded with expected attach type 40" },
		{ sel, -1, false, 0, "knob 0, SK_REUSEPORT SELECT (39) program" },
		{ sel0, -1, false, 0, "knob 0, SK_REUSEPORT program loaded with expected attach type 0" },
		{ mig, -1, false, 0, "knob 0, SELECT_OR_MIGRATE program returning SK_PASS" },
		{ -1, -1, false, 1, "knob 1, no program" },
		{ sf, -1, false, 1, "knob 1, SOCKET_FILTER loaded with expected attach type 40" },
		{ drop, -1, false, 1, "knob 1, SELECT_OR_MIGRATE program returning SK_DROP for migrations" },
	};
	enum where want[] = { W_RESET, W_RESET, W_RESET, W_RESET, W_SIBLING, W_SIBLING, W_SIBLING, W_RESET };
	int i;

	if (sf < 0 || sel < 0 || sel0 < 0 || mig < 0 || drop < 0)
		die("loading the programs");
	for (i = 0; i < (int)(sizeof(sc) / sizeof(sc[0])); i++)
		run(-1, &sc[i], want[i]);
	close(sf);
	close(sel);
	close(sel0);
	close(mig);
	close(drop);
}

static int map_has(uint32_t key)
{
	union bpf_attr a;
	uint64_t v;

	memset(&a, 0, sizeof(a));
	a.map_fd = map_fd;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&v;
	return !sys_bpf(BPF_MAP_LOOKUP_ELEM, &a);
}

static void test_bad_targets(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int ns_a = netns_new(), ns_b = netns_new(), old = netns_self(), one = 1;
	int other_group, other_netns, udp, closed, foreign;
	int p[2], st;
	pid_t pid;

	if (ns_a < 0 || ns_b < 0)
		die("netns");
	/* another netns, same address and port as group A */
	if (setns(ns_b, CLONE_NEWNET))
		die("setns b");
	other_netns = tcp_listener("127.0.0.1", PORT);
	/* group A's netns: a listener of another port, a UDP socket on A's port, a
	 * listener of another user on 127.0.0.2 (it cannot share A's address)
	 */
	if (setns(ns_a, CLONE_NEWNET))
		die("setns a");
	other_group = tcp_listener("127.0.0.1", PORT + 1);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	setsockopt(udp, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (bind(udp, (void *)&a, sizeof(a)))
		die("udp bind");
	if (setresuid(0, 65534, 0))
		die("seteuid");
	foreign = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (setresuid(0, 0, 0))
		die("seteuid back");
	setsockopt(foreign, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	inet_pton(AF_INET, "127.0.0.2", &a.sin_addr);
	if (bind(foreign, (void *)&a, sizeof(a)) || listen(foreign, 16))
		die("foreign listener");
	/* a listener of group A, in map[0], shut down with the knob on: it stays in
	 * A's closed section, and must leave the sockarray
	 */
	knob_set(1);
	closed = tcp_listener("127.0.0.1", PORT);
	if (map_update(map_fd, 0, closed, 8))
		die("sockarray update");
	if (shutdown(closed, SHUT_RDWR))
		die("shutdown");
	knob_set(0);
	if (setns(old, CLONE_NEWNET))
		die("setns back");

	run_target(ns_a, other_group, true, true, "SELECT_OR_MIGRATE picks a listener of another group (port)");
	run_target(ns_a, other_netns, true, true, "SELECT_OR_MIGRATE picks a listener of another netns, same address and port");
	run_target(ns_a, udp, false, true, "SELECT_OR_MIGRATE picks a UDP socket bound to the same port");
	run_target(ns_a, foreign, true, true, "SELECT_OR_MIGRATE picks a listener of uid 65534, same port");
	tap(!map_has(0), "a listener shut down with the knob on leaves the sockarray");
	tap(map_update(map_fd, 0, closed, 8) < 0,
	    "a shut-down listener (in its group's closed section) cannot go into a sockarray (%s)", strerror(errno));
	run_target(ns_a, closed, false, false, "SELECT_OR_MIGRATE picks the slot of a shut-down listener of the group");

	/* another user cannot join a group */
	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(PORT + 3) };
		int fd, l, r;

		if (setns(ns_b, CLONE_NEWNET))
			_exit(2);
		l = tcp_listener("127.0.0.1", PORT + 3);	/* root's group */
		if (setresuid(65534, 65534, 65534))
			_exit(2);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		inet_pton(AF_INET, "127.0.0.1", &b.sin_addr);
		r = bind(fd, (void *)&b, sizeof(b)) ? errno : 0;
		if (write(p[1], &r, sizeof(r)) < 0)
			_exit(2);
		close(l);
		_exit(0);
	}
	st = -1;
	if (read(p[0], &st, sizeof(st)) != sizeof(st))
		st = -1;
	waitpid(pid, NULL, 0);
	tap(st == EADDRINUSE, "a listener of uid 65534 cannot join a reuseport group of uid 0 (bind: %s)",
	    st > 0 ? strerror(st) : st == 0 ? "succeeded" : "child failed");

	close(other_group);
	close(udp);
	close(other_netns);
	close(closed);
	close(foreign);
	close(ns_a);
	close(ns_b);
	close(old);
}

int main(void)
{
	memlock_unlimited();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid()) {
		printf("1..0 # SKIP badinput needs root\n");
		return 0;
	}
	map_fd = sockarray_create(4, 1);
	if (map_fd < 0)
		die("REUSEPORT_SOCKARRAY");
	test_knob();
	test_load();
	test_cookie_helper();
	test_prog_attach();
	test_migration_off();
	test_bad_targets();
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
