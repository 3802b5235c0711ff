// SPDX-License-Identifier: GPL-2.0
/*
 * A SO_REUSEPORT migration policy written against the system headers
 * (linux-libc-dev's <linux/bpf.h>, libbpf-dev's <bpf/bpf_helpers.h>), as a
 * program for mainline would be: new connections go to listeners[SYN_KEY],
 * requests and children of closed listeners to listeners[TARGET_KEY].
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SYN_KEY		0
#define TARGET_KEY	2

enum {
	CNT_NEW_SYN,
	CNT_MIGRATED,
	CNT_ESTABLISHED,
	CNT_SELECT_ERROR,
	NR_CNT,
};

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_CNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static void count(__u32 key)
{
	__u64 *cnt = bpf_map_lookup_elem(&counters, &key);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
}

SEC("sk_reuseport/migrate")
int migrate_to_target(struct sk_reuseport_md *ctx)
{
	struct bpf_sock *migrating_sk = ctx->migrating_sk;
	__u32 key = SYN_KEY;

	if (migrating_sk) {
		count(CNT_MIGRATED);
		if (migrating_sk->state == BPF_TCP_ESTABLISHED)
			count(CNT_ESTABLISHED);
		key = TARGET_KEY;
	} else {
		count(CNT_NEW_SYN);
	}

	if (bpf_sk_select_reuseport(ctx, &listeners, &key, 0)) {
		count(CNT_SELECT_ERROR);
		return SK_DROP;
	}
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
