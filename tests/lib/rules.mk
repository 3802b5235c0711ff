# The one rule for the test programs, included by each tests/DIR/Makefile:
#   tests/DIR/NAME.c -> build/tests/DIR/NAME, with tests/lib/ (the shared headers) on the
#   include path. Nothing is written into the source tree.
# The including Makefile sets PROGS (the program names) and, where they need them, LDLIBS,
# UAPI (a kernel's uapi headers, OBJ/usr/include, before the system's) and EXTRA (other
# files of $(OUT), with rules of their own).
ROOT     := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))../..)
OUT      := $(ROOT)/build/tests/$(notdir $(CURDIR))
CFLAGS   ?= -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CPPFLAGS += -I$(ROOT)/tests/lib $(if $(UAPI),-isystem $(UAPI))

all: $(addprefix $(OUT)/,$(PROGS) $(EXTRA))

$(OUT)/%: %.c $(wildcard *.h) $(wildcard $(ROOT)/tests/lib/*.h) | $(OUT)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDLIBS)

$(OUT):
	mkdir -p $@

clean:
	rm -rf $(OUT)

.PHONY: all clean
