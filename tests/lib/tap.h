/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TAP printer of the test programs: "ok N - ..." / "not ok N - ...", counted in @tests
 * and @failures, numbered after @tap_start (migrate_stress -T: tests/stress/run.sh numbers
 * its own lines around it). The caller prints the plan ("1..N").
 */
#ifndef TESTS_LIB_TAP_H
#define TESTS_LIB_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tests, failures, tap_start;

/* One TAP line; returns @ok. */
__attribute__((format(printf, 2, 3), unused))
static int tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", tap_start + ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failures++;
	return ok;
}

#endif
