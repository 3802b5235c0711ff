# TCP request migration for SO_REUSEPORT listeners on Linux 5.10: the table of contents.
# "make" or "make help" lists the targets. The work happens in scripts/, vm/ and tests/.

BUILD       := build
WT          := $(BUILD)/linux
OBJ         := $(BUILD)/obj
BZIMAGE     := $(OBJ)/arch/x86/boot/bzImage
SELFTESTS   := $(BUILD)/selftests
# The config fragments (their one list: config/fragments); the debug kernel adds debug.config.
CONFIGS     := $(shell grep -v -e '^[[:space:]]*[#]' config/fragments)
DEBUG_OBJ   := $(BUILD)/debug/obj
DEBUG_BZIMAGE := $(DEBUG_OBJ)/arch/x86/boot/bzImage
DEBUG_CONFIGS := $(CONFIGS) config/debug.config
# The inject kernel: build/linux plus the test-only pause points of tests/inject/*.patch,
# in a tree of its own (scripts/inject-tree.sh), with the usual fragments.
INJECT_WT   := $(BUILD)/inject/linux
INJECT_OBJ  := $(BUILD)/inject/obj
INJECT_BZIMAGE := $(INJECT_OBJ)/arch/x86/boot/bzImage
INJECT_PATCHES := $(sort $(wildcard tests/inject/*.patch))
# The upstream version the series is based on (its orig tarball's sha256: base.sha256).
BASE_VERSION := $(shell cat base.version)
# Seconds before a hung VM is killed (make check VM_TIMEOUT=1800).
VM_TIMEOUT  ?= 900
# Seconds before an interactive guest ("make shell") is powered off.
VM_TIMEOUT_SHELL ?= 86400
# vCPUs of the VM (make check CPUS=4); the guest fails the run if it sees fewer.
CPUS        ?= 2
# Replacements per line of "make race".
RACE_N      ?= 5000
# Seconds of the long stress run on the debug kernel (make stress T=600).
T           ?= 600
# The command "make vm" runs in the guest, in this directory.
CMD         ?= uname -r

.DEFAULT_GOAL := help
# One step at a time: the steps parallelize inside (make -j$$(nproc)).
.NOTPARALLEL:
.PHONY: help deps worktree kernel selftests tools shell vm check run race patches lint bisect-build bench debug-check stress inject-check clean FORCE

help: ## list the targets
	@echo "make TARGET, where TARGET is one of:"
	@sed -n 's/^\([a-z-]*\):.*## \(.*\)/  \1\t\2/p' $(MAKEFILE_LIST) | sed 's/\$$(BASE_VERSION)/$(BASE_VERSION)/g' | expand -t 16
	@echo "Variables: BASE=/path (your v$(BASE_VERSION)), VM_TIMEOUT=seconds ($(VM_TIMEOUT)), CPUS=n ($(CPUS): vm, check, run), CMD='...' (vm), FORCE=1 (clean)"

deps: ## install the Debian packages the project needs (as root; else prints the apt-get line)
	@scripts/deps.sh

worktree: $(WT)/.git ## create build/linux: v$(BASE_VERSION) (tag "base") + patches/ applied with git am
$(WT)/.git:
	scripts/worktree.sh $(BUILD)

kernel: $(BZIMAGE) ## build the kernel of build/linux into build/obj (when sources or configs changed)
	@scripts/check-exported.sh --pulled $(WT) || true
# What a kernel is built from, as content: the work tree (HEAD, uncommitted changes to
# tracked files, untracked file names) and its configuration (the fragments, in order, and
# the scripts that merge them). Rewritten only when that changes, so that an unchanged tree
# is not rebuilt, whatever the files' times (a checkout, a merge, a copy of build/).
$(OBJ)/source-state: FRAGMENTS := $(CONFIGS)
$(DEBUG_OBJ)/source-state: FRAGMENTS := $(DEBUG_CONFIGS)
$(INJECT_OBJ)/source-state: FRAGMENTS := $(CONFIGS) $(INJECT_PATCHES) scripts/inject-tree.sh
$(OBJ)/source-state $(DEBUG_OBJ)/source-state $(INJECT_OBJ)/source-state: FORCE | $(WT)/.git
	@mkdir -p $(@D)
	@s="$$(git -C $(WT) rev-parse HEAD) $$(git -C $(WT) diff HEAD | sha1sum) $$(git -C $(WT) ls-files -o --exclude-standard | sha1sum) \
	$$( (echo $(FRAGMENTS); cat $(FRAGMENTS) scripts/build-kernel.sh scripts/configure-kernel.sh) | sha1sum)"; \
	[ "$$s" = "$$(cat $@ 2>/dev/null)" ] || echo "$$s" >$@
$(BZIMAGE): $(OBJ)/source-state
	scripts/build-kernel.sh $(WT) $(OBJ) $(CONFIGS)
	@touch $@
# The debug kernel (config/debug.config: KASAN, lockdep, kmemleak, debug objects).
$(DEBUG_BZIMAGE): $(DEBUG_OBJ)/source-state
	scripts/build-kernel.sh $(WT) $(DEBUG_OBJ) $(DEBUG_CONFIGS)
	@touch $@
# The inject kernel (tests/inject/*.patch on top of the work tree).
$(INJECT_BZIMAGE): $(INJECT_OBJ)/source-state
	scripts/inject-tree.sh $(WT) $(INJECT_WT) $(INJECT_PATCHES)
	scripts/build-kernel.sh $(INJECT_WT) $(INJECT_OBJ) $(CONFIGS)
	@touch $@

selftests: kernel ## build test_progs and the net selftests against that kernel into build/selftests
	scripts/build-selftests.sh $(WT) $(OBJ) $(SELFTESTS)

# The test programs that need no kernel build: each tests/DIR builds into build/tests/DIR
# (tests/lib/rules.mk); tests/stress, against the debug kernel's headers, is built by debug-check.
TEST_DIRS   := tools abi bench
tools: ## build the test programs of tests/tools, tests/abi and tests/bench into build/tests/
	@for d in $(TEST_DIRS); do $(MAKE) --no-print-directory -C tests/$$d || exit; done

shell: kernel ## an interactive shell in the guest, on the built kernel, as root (exit leaves)
	vm/run.sh -i -s $(CPUS) -t $(VM_TIMEOUT_SHELL)

vm: kernel ## boot the kernel and run CMD='...' in it as root (make vm CMD='uname -r')
	vm/run.sh -s $(CPUS) -t $(VM_TIMEOUT) -- '$(subst ','\'',$(value CMD))'

check: deps worktree kernel selftests tools ## run the regression suite (tests/suite.sh) in the VM; fails if a test does
	vm/run.sh -s $(CPUS) -t $(VM_TIMEOUT) -- tests/suite.sh

run: deps worktree kernel tools ## build the patched kernel and run the demonstration (tests/demo.sh) in the VM
	vm/run.sh -s $(CPUS) -t $(VM_TIMEOUT) -- tests/demo.sh

lint: ## check patches/: series, messages, checkpatch --strict, git am on a fresh v$(BASE_VERSION) and on Debian's patched one, sparse/W=1 vs base
	scripts/lint.sh $(BUILD)/lint

bisect-build: ## build the kernel and the series' selftests after each patch (build/bisect; slow, not in CI)
	scripts/bisect-build.sh $(BUILD)/bisect

debug-check: deps worktree $(DEBUG_BZIMAGE) ## build the debug kernel (KASAN, lockdep, kmemleak) into build/debug and run the short stress
	$(MAKE) --no-print-directory -C tests/stress UAPI=$(abspath $(DEBUG_OBJ))/usr/include
	scripts/debug-check.sh $(DEBUG_BZIMAGE)

stress: deps worktree $(DEBUG_BZIMAGE) ## the long stress on the debug kernel: make stress T=600 (seconds)
	$(MAKE) --no-print-directory -C tests/stress UAPI=$(abspath $(DEBUG_OBJ))/usr/include
	scripts/debug-check.sh $(DEBUG_BZIMAGE) $(T)

inject-check: deps worktree $(INJECT_BZIMAGE) ## build the inject kernel (test-only pause points) into build/inject and run tests/inject in it
	$(MAKE) --no-print-directory -C tests/inject
	vm/run.sh -k $(INJECT_BZIMAGE) -o $(BUILD)/inject/vm-out -s $(CPUS) -t $(VM_TIMEOUT) -- build/tests/inject/copy_race

race: deps worktree kernel tools ## the rolling-restart race load on CPUS vCPUs: RACE_N replacements (5000) x knob/BPF x IPv4/IPv6
	vm/run.sh -s $(CPUS) -t $(VM_TIMEOUT) -- tests/race.sh $(RACE_N)

bench: deps worktree kernel tools ## base vs patched under load (nginx, storm, migration cost, fast path); regenerates docs/results.md
	scripts/bench.sh

patches: ## export the commits base..HEAD of build/linux to patches/ (then commit patches/)
	scripts/export-patches.sh $(WT)

clean: ## remove build/ except the download cache build/dl (refuses if build/linux has unexported work)
	@[ "$(FORCE)" = 1 ] || scripts/check-exported.sh $(WT)
	@[ ! -d $(BUILD) ] || find $(BUILD) -mindepth 1 -maxdepth 1 ! -name dl -exec rm -rf {} +
	@echo "clean: removed $(BUILD)/ except $(BUILD)/dl"

FORCE:
