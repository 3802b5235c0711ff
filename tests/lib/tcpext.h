/* SPDX-License-Identifier: GPL-2.0 */
/* The TcpExt counters (TCPMigrateReqSuccess, ...) of /proc/net/netstat, for the test programs. */
#ifndef TESTS_LIB_TCPEXT_H
#define TESTS_LIB_TCPEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TcpExt counter @name of the calling thread's netns, or -1. */
static inline long tcpext(const char *name)
{
	char hdr[8192], val[8192], *h, *v, *hs, *vs;
	FILE *f = fopen("/proc/thread-self/net/netstat", "r");
	long ret = -1;

	if (!f)
		return -1;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		if (strncmp(hdr, "TcpExt:", 7))
			continue;
		h = strtok_r(hdr, " \n", &hs);
		v = strtok_r(val, " \n", &vs);
		while ((h = strtok_r(NULL, " \n", &hs)) && (v = strtok_r(NULL, " \n", &vs)))
			if (!strcmp(h, name))
				ret = atol(v);
	}
	fclose(f);
	return ret;
}

#endif
