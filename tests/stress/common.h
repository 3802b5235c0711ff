/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by migrate_stress.c and badinput.c: maps, the
 * raw-instruction reuseport programs (no clang needed; loaded by tests/lib/bpf_load.h),
 * network namespaces. TAP: tests/lib/tap.h; the TcpExt counters: tests/lib/tcpext.h.
 */
#ifndef STRESS_COMMON_H
#define STRESS_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "bpf_load.h"
#include "tap.h"
#include "tcpext.h"

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif
#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif

/* The attach types of the series (include/uapi/linux/bpf.h): 38 is reserved. */
#define ATTACH_SK_SKB_VERDICT		38
#define ATTACH_REUSEPORT_SELECT		39
#define ATTACH_REUSEPORT_MIGRATE	40

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV64_IMM(d, i)		INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s)		INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU64_IMM(op, d, i)	INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define LDX_MEM(sz, d, s, o)	INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX_MEM(sz, d, s, o)	INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define JMP_IMM(op, d, i, o)	INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define CALL(f)			INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* two instructions: r(d) = map fd */
#define LD_MAP_FD(p, n, d, fd) do { \
	(p)[(n)++] = INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd); \
	(p)[(n)++] = INSN(0, 0, 0, 0, 0); \
} while (0)

#define MD_OFF(f)	offsetof(struct sk_reuseport_md, f)
#define SK_OFF(f)	offsetof(struct bpf_sock, f)

/* 5.10 charges BPF maps and programs to RLIMIT_MEMLOCK */
static inline void memlock_unlimited(void)
{
	struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };

	setrlimit(RLIMIT_MEMLOCK, &r);
}

static inline int sockarray_create(int entries, int u64_values)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_REUSEPORT_SOCKARRAY;
	a.key_size = 4;
	a.value_size = u64_values ? 8 : 4;
	a.max_entries = entries;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

/* A SOCKMAP or SOCKHASH, u32 keys, u64 values (the socket cookie on lookup). */
static inline int sockmap_create(int type, int entries)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = entries;
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static inline int map_lookup(int map, uint32_t key, uint64_t *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = map;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)val;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &a);
}

static inline int map_update(int map, uint32_t key, uint64_t val, int vsize)
{
	union bpf_attr a;
	uint32_t v32 = val;

	memset(&a, 0, sizeof(a));
	a.map_fd = map;
	a.key = (uintptr_t)&key;
	a.value = vsize == 8 ? (uintptr_t)&val : (uintptr_t)&v32;
	a.flags = BPF_ANY;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static inline int map_delete(int map, uint32_t key)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = map;
	a.key = (uintptr_t)&key;
	return sys_bpf(BPF_MAP_DELETE_ELEM, &a);
}

/* The reuseport programs, as raw instructions. */
enum prog_kind {
	P_PASS,		/* SK_PASS without a pick: the kernel picks by hash */
	P_DROP,		/* SK_DROP always */
	P_RANDOM,	/* bpf_sk_select_reuseport(map[random % 16]), SK_PASS */
	P_KEY0,		/* bpf_sk_select_reuseport(map[0]), SK_PASS */
	P_MIG_DROP,	/* migrating_sk ? SK_DROP (after reading its state) : SK_PASS */
	P_MIG_MIX,	/* migrating: read its state, 1/4 SK_DROP; then a random pick */
	NR_PROG_KINDS,
	P_COOKIE = NR_PROG_KINDS, /* bpf_get_socket_cookie(sk), (migrating_sk): SK_PASS */
	/* migrating_sk ? bpf_map_update_elem(map, random % 16, migrating_sk) : ; SK_PASS
	 * (@map a SOCKMAP or SOCKHASH: at close(), migrating_sk is a child that
	 * inet_csk_listen_stop() holds under bh_lock_sock())
	 */
	P_SOCKMAP_UPDATE,
};

static inline int prog_build(int kind, int map, struct bpf_insn *p)
{
	int n = 0;

	switch (kind) {
	case P_PASS:
		p[n++] = MOV64_IMM(BPF_REG_0, SK_PASS);
		p[n++] = EXIT();
		break;
	case P_DROP:
		p[n++] = MOV64_IMM(BPF_REG_0, SK_DROP);
		p[n++] = EXIT();
		break;
	case P_MIG_DROP:
		p[n++] = LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, MD_OFF(migrating_sk));
		p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_2, 0, 3);
		p[n++] = LDX_MEM(BPF_W, BPF_REG_3, BPF_REG_2, SK_OFF(state));
		p[n++] = MOV64_IMM(BPF_REG_0, SK_DROP);
		p[n++] = EXIT();
		p[n++] = MOV64_IMM(BPF_REG_0, SK_PASS);
		p[n++] = EXIT();
		break;
	case P_COOKIE:
		p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
		p[n++] = LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_6, MD_OFF(sk));
		p[n++] = CALL(BPF_FUNC_get_socket_cookie);
		p[n++] = LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_6, MD_OFF(migrating_sk));
		p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 1);
		p[n++] = CALL(BPF_FUNC_get_socket_cookie);
		p[n++] = MOV64_IMM(BPF_REG_0, SK_PASS);
		p[n++] = EXIT();
		break;
	case P_SOCKMAP_UPDATE:
		p[n++] = LDX_MEM(BPF_DW, BPF_REG_7, BPF_REG_1, MD_OFF(migrating_sk));
		p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_7, 0, 10);
		p[n++] = CALL(BPF_FUNC_get_prandom_u32);
		p[n++] = ALU64_IMM(BPF_AND, BPF_REG_0, 15);
		p[n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, -4);
		LD_MAP_FD(p, n, BPF_REG_1, map);
		p[n++] = MOV64_REG(BPF_REG_2, BPF_REG_10);
		p[n++] = ALU64_IMM(BPF_ADD, BPF_REG_2, -4);
		p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_7);
		p[n++] = MOV64_IMM(BPF_REG_4, BPF_ANY);
		p[n++] = CALL(BPF_FUNC_map_update_elem);
		p[n++] = MOV64_IMM(BPF_REG_0, SK_PASS);
		p[n++] = EXIT();
		break;
	case P_MIG_MIX:
		p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
		p[n++] = LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_6, MD_OFF(migrating_sk));
		p[n++] = JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 5);
		p[n++] = LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_1, SK_OFF(state));
		p[n++] = CALL(BPF_FUNC_get_prandom_u32);
		p[n++] = ALU64_IMM(BPF_AND, BPF_REG_0, 3);
		p[n++] = JMP_IMM(BPF_JNE, BPF_REG_0, 0, 1);
		p[n++] = EXIT();	/* r0 == 0 == SK_DROP */
		p[n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
		/* fall through to the random pick */
		/* fallthrough */
	case P_RANDOM:
	case P_KEY0:
		p[n++] = MOV64_REG(BPF_REG_6, BPF_REG_1);
		if (kind == P_KEY0) {
			p[n++] = MOV64_IMM(BPF_REG_0, 0);
		} else {
			p[n++] = CALL(BPF_FUNC_get_prandom_u32);
			p[n++] = ALU64_IMM(BPF_AND, BPF_REG_0, 15);
		}
		p[n++] = STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, -4);
		p[n++] = MOV64_REG(BPF_REG_1, BPF_REG_6);
		LD_MAP_FD(p, n, BPF_REG_2, map);
		p[n++] = MOV64_REG(BPF_REG_3, BPF_REG_10);
		p[n++] = ALU64_IMM(BPF_ADD, BPF_REG_3, -4);
		p[n++] = MOV64_IMM(BPF_REG_4, 0);
		p[n++] = CALL(BPF_FUNC_sk_select_reuseport);
		p[n++] = MOV64_IMM(BPF_REG_0, SK_PASS);
		p[n++] = EXIT();
		break;
	default:
		break;
	}
	return n;
}

static inline int prog_load_kind(int kind, int expected, int map)
{
	struct bpf_insn p[64];
	int n = prog_build(kind, map, p);

	return prog_load(BPF_PROG_TYPE_SK_REUSEPORT, expected, p, n);
}

/* A classic-path program: a SOCKET_FILTER whose return value is the index. */
static inline int socket_filter_load(int ret, int expected)
{
	struct bpf_insn p[] = { MOV64_IMM(BPF_REG_0, ret), EXIT() };

	return prog_load(BPF_PROG_TYPE_SOCKET_FILTER, expected, p, 2);
}

static inline int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* The calling thread's network namespace, as an fd. */
static inline int netns_self(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

/* A new network namespace with lo up, as an fd; the calling thread stays where it was. */
static inline int netns_new(void)
{
	int old = netns_self(), fd = -1;

	if (old < 0 || unshare(CLONE_NEWNET))
		goto out;
	if (!lo_up())
		fd = netns_self();
	if (setns(old, CLONE_NEWNET))
		abort();
out:
	if (old >= 0)
		close(old);
	return fd;
}

/* The knob of the calling thread's netns: 0/1, or -1. */
static inline int knob_get(void)
{
	char buf[16] = "";
	int fd = open("/proc/sys/net/ipv4/tcp_migrate_req", O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

/* Write @len bytes of @val to the knob: 0, or -errno. */
static inline int knob_write(const char *val, size_t len)
{
	int fd = open("/proc/sys/net/ipv4/tcp_migrate_req", O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, len) < 0)
		err = -errno;
	close(fd);
	return err;
}

#endif
