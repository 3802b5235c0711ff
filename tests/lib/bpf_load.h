/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading BPF programs written as raw instructions with the bpf() syscall: no clang, no
 * libbpf. The verifier's log of the last load is in bpf_log; BPF_VERBOSE=1 in the
 * environment prints it when a load fails.
 */
#ifndef TESTS_LIB_BPF_LOAD_H
#define TESTS_LIB_BPF_LOAD_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

static char bpf_log[65536];

static inline int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* A program of @type with @expected attach type: its fd, or -1 (errno set). */
static inline int prog_load(int type, int expected, const struct bpf_insn *insns, int n)
{
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = expected;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)bpf_log;
	a.log_size = sizeof(bpf_log);
	a.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0 && getenv("BPF_VERBOSE")) {
		int err = errno;

		fprintf(stderr, "prog_load(type %d, expected %d): %s\n%s\n", type, expected,
			strerror(err), bpf_log);
		errno = err;
	}
	return fd;
}

#endif
