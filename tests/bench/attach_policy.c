// SPDX-License-Identifier: GPL-2.0
/*
 * attach_policy: attach the SELECT_OR_MIGRATE policy of migrate_policy.h to
 * the reuseport group of a running server (nginx) that listens on PORT.
 *
 * The listener is borrowed with pidfd_open() + pidfd_getfd() (both in 5.10):
 * every fd of PID that is a listening TCP socket bound to PORT is a
 * candidate; the first one found gets the program, which then serves the
 * whole group, including listeners that join later.
 *
 * Usage: attach_policy PID PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "migrate_policy.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif

static int listens_on(int fd, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int acc = 0;
	socklen_t alen = sizeof(acc);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen) || !acc)
		return 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port) == port;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == port;
	return 0;
}

int main(int argc, char **argv)
{
	char path[64];
	struct dirent *d;
	int pid, port, pidfd;
	DIR *dir;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PID PORT\n", argv[0]);
		return 2;
	}
	pid = atoi(argv[1]);
	port = atoi(argv[2]);
	pidfd = syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0) {
		perror("pidfd_open");
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir) {
		perror(path);
		return 1;
	}
	while ((d = readdir(dir))) {
		int tfd, fd;

		if (d->d_name[0] == '.')
			continue;
		tfd = atoi(d->d_name);
		fd = syscall(__NR_pidfd_getfd, pidfd, tfd, 0);
		if (fd < 0)
			continue;
		if (listens_on(fd, port)) {
			if (attach_migrate_policy(fd))
				return 1;
			printf("attach_policy: SELECT_OR_MIGRATE policy attached via fd %d of pid %d (port %d)\n",
			       tfd, pid, port);
			return 0;
		}
		close(fd);
	}
	fprintf(stderr, "attach_policy: pid %d has no listener on port %d\n", pid, port);
	return 1;
}
