/* SPDX-License-Identifier: GPL-2.0 */
/*
 * migrate_policy.h: load the smallest SELECT_OR_MIGRATE policy (bpf_load.h) and
 * attach it to a socket's reuseport group.
 *
 * The program is "return SK_PASS" without bpf_sk_select_reuseport(): new
 * connections and migrated ones are both placed by the hash.  Loaded with
 * expected attach type BPF_SK_REUSEPORT_SELECT_OR_MIGRATE (40), it turns
 * migration on for its group even with net.ipv4.tcp_migrate_req=0.
 */
#ifndef MIGRATE_POLICY_H
#define MIGRATE_POLICY_H

#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bpf_load.h"

#define SELECT_OR_MIGRATE	40	/* BPF_SK_REUSEPORT_SELECT_OR_MIGRATE */

#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF	52
#endif

/* Returns 0, or -1 with a message on stderr. */
static int attach_migrate_policy(int fd)
{
	struct bpf_insn insns[] = {
		/* r0 = SK_PASS */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = SK_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog;

	prog = prog_load(BPF_PROG_TYPE_SK_REUSEPORT, SELECT_OR_MIGRATE, insns, 2);
	if (prog < 0) {
		perror("bpf(BPF_PROG_LOAD, SK_REUSEPORT, SELECT_OR_MIGRATE)");
		fprintf(stderr, "%s", bpf_log);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, &prog, sizeof(prog))) {
		perror("setsockopt(SO_ATTACH_REUSEPORT_EBPF)");
		close(prog);
		return -1;
	}
	close(prog);	/* the group holds the program now */
	return 0;
}

#endif
