// SPDX-License-Identifier: GPL-2.0
/*
 * tsc_khz: the host's TSC frequency in kHz, measured against CLOCK_MONOTONIC
 * over half a second.  Under QEMU TCG the guest reads the host's TSC, but a
 * kernel without ACPI cannot calibrate it and falls back to jiffies (4 ms
 * resolution); scripts/bench.sh passes tsc_early_khz= so that the guest's
 * CLOCK_MONOTONIC runs on the TSC.
 */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

int main(void)
{
	struct timespec a, b, half = { 0, 500000000 };
	unsigned long long t0, t1;
	double ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	nanosleep(&half, NULL);
	t1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.0f\n", (t1 - t0) / ns * 1e6);
	return 0;
}
