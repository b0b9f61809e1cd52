# Makefile - builds tracebench into build/, runs its tests and its benchmark
#
#   make            build everything into build/
#   make test       install what is missing (setup.sh), build, run every test
#   make test-san   the same with AddressSanitizer and UBSan, in build-san/
#   make test-faults  the full fault-injection suite (every fault, both ways, random timing,
#                   every pair of tracers, 30 s of load each) and its safety matrix, in
#                   results/HOST/faults-STAMP/ (tests/faults_run.sh; make test runs it quick)
#   make bench      install what is missing, build, measure, write results/
#                   (FULL=1: more rounds and longer runs; TINY=1: a check that every
#                   part runs, in about two minutes; see harness/README.md)
#   make plot DIR=results/HOST/STAMP   redraw that run's plots from its CSVs
#   make bundle     a tarball that runs the bench on another x86-64 Linux host without a
#                   compiler (build-bundle/tracebench-bundle-HASH.tar.gz; see README.md)
#   make cppcheck   static analysis of the C sources (tests/cppcheck.t runs it)
#   make fuzz       build the libFuzzer targets of fuzz/ and run each for FUZZ_SECONDS (60);
#                   fails on a crash, leak or timeout, and says where the input is (fuzz/README.md)
#   make clean      remove build/, build-san/ and build-bundle/
#   make help       this list
#
# V=1 prints every command; SAN=1 builds with AddressSanitizer and UBSan; STATIC=1 (make bundle
# sets it, in build-bundle/) links the tools, floors and harness helpers statically.

OUT ?= build
OBJ := $(OUT)/obj
CC ?= cc

CFLAGS_WARN := -std=gnu11 -O2 -g -Wall -Wextra -fno-omit-frame-pointer -MMD -MP
CFLAGS ?=
CFLAGS_ALL := $(CFLAGS_WARN) $(CFLAGS) -Iworkload -Itechniques/common
ifeq ($(SAN),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS_SAN := -fsanitize=address,undefined
endif

# STATIC=1: the programs that are not the workload static; the preloaded libraries (which must be
# shared) find the shared libraries they need in $ORIGIN/lib, copied there (BUNDLE_LIBS): their
# static archives here are not position-independent. Each names its dependencies' dependencies
# too (--no-as-needed), so the loader finds those already loaded, not on the host.
ifeq ($(STATIC),1)
LDFLAGS_STATIC := -static
LIBS_STATIC_unwind := -llzma
PRELOAD_RPATH := -Wl,-rpath,'$$ORIGIN/lib' -Wl,--no-as-needed
PRELOAD_DEPS_signal := -llzma
PRELOAD_DEPS_tracefunc := -lz
endif
BUNDLE_LIBS := libunwind.so.8 liblzma.so.5 libelf.so.1 libz.so.1

ifeq ($(V),1)
Q :=
msg :=
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
Q := @
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDARY:

# ---- the workload, in four variants from the same source ----------------------------------

WORKLOAD_SRCS := workload/workload.c workload/methods.c
WORKLOAD_VARIANTS := workload workload-usdt workload-usdt5 workload-finstrument

# The workload never runs under the sanitizers: its timings are the measurement.
WORKLOAD_CFLAGS := $(CFLAGS_WARN) $(CFLAGS) -Iworkload -Itechniques/common
VARIANT_FLAGS_workload := -DTB_VARIANT='"plain"'
VARIANT_FLAGS_workload-usdt := -DTB_VARIANT='"usdt"' -DTB_USDT
# The optimised uprobe on a 5-byte nop pushes a return address below %rsp: no red zone.
VARIANT_FLAGS_workload-usdt5 := -DTB_VARIANT='"usdt5"' -DTB_USDT_NOP5 -mno-red-zone
VARIANT_FLAGS_workload-finstrument := -DTB_VARIANT='"finstrument"'
VARIANT_LIBS_workload-finstrument := -L$(OUT) -ltb-tracefunc-noop -Wl,-rpath,'$$ORIGIN'
# Compiler hooks go into the methods (methods.c) only, not into the driver around them.
METHOD_FLAGS_workload-finstrument := -finstrument-functions
# For tests/redzone.t only: the nop5 build as it would be without -mno-red-zone. Unsafe.
VARIANT_FLAGS_tests/workload-usdt5-redzone := -DTB_VARIANT='"usdt5-redzone"' -DTB_USDT_NOP5

# -rdynamic exports tb_stack_root and tb_call_hook for readers and preloaded libraries.
WORKLOAD_LDFLAGS := -rdynamic -pthread -lm

define workload_variant
$(OBJ)/$(1)/%.o: workload/%.c | $(OBJ)/$(1)
	$$(call msg,CC,$$@)
	$(Q)$$(CC) $$(WORKLOAD_CFLAGS) $$(VARIANT_FLAGS_$(1)) \
		$$(if $$(filter methods,$$*),$$(METHOD_FLAGS_$(1))) -c $$< -o $$@

$(OUT)/$(1): $(patsubst workload/%.c,$(OBJ)/$(1)/%.o,$(WORKLOAD_SRCS)) $(OBJ)/workload-json/tb_json.o \
	     $(2) | $(OUT)
	$$(call msg,LD,$$@)
	$(Q)$$(CC) $$(filter %.o,$$^) -o $$@ $$(WORKLOAD_LDFLAGS) $$(VARIANT_LIBS_$(1))

$(OBJ)/$(1):
	$(Q)mkdir -p $$@
endef

$(foreach v,$(WORKLOAD_VARIANTS),$(eval $(call workload_variant,$(v),\
	$(if $(filter workload-finstrument,$(v)),$(OUT)/libtb-tracefunc-noop.so))))
$(eval $(call workload_variant,tests/workload-usdt5-redzone))

# The truth file's JSON writer, built once for every variant: no variant flags, no hooks.
$(OBJ)/workload-json/tb_json.o: techniques/common/tb_json.c | $(OBJ)/workload-json
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -c $< -o $@

$(OUT)/libtb-tracefunc-noop.so: workload/tracefunc_noop.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -fPIC -shared $< -o $@

# ---- code shared by the tracers -----------------------------------------------------------

COMMON_SRCS := $(wildcard techniques/common/*.c)
COMMON_OBJS := $(patsubst techniques/common/%.c,$(OBJ)/common/%.o,$(COMMON_SRCS))
COMMON_LIBS := -lelf -lz

$(OBJ)/common/%.o: techniques/common/%.c | $(OBJ)/common
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(OUT)/libtbcommon.a: $(COMMON_OBJS) | $(OUT)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# ---- techniques/usdt: BPF object -> skeleton -> tb-usdt ------------------------------------

BPF_CLANG ?= clang
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
# Debian's clang does not search the multiarch include directory for -target bpf (asm/types.h
# lives there): pass the host compiler's system directories, as libbpf-bootstrap does.
# Recursively expanded: clang is asked only when a BPF object is built, not by every make.
BPF_SYS_INCLUDES = $(shell $(BPF_CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror $(BPF_SYS_INCLUDES)

$(OBJ)/usdt/tb_usdt.bpf.o: techniques/usdt/tb_usdt.bpf.c | $(OBJ)/usdt
	$(call msg,BPF,$@)
	$(Q)$(BPF_CLANG) $(BPF_CFLAGS) -MMD -MP -Itechniques/usdt -c $< -o $@

$(OBJ)/usdt/tb_usdt.skel.h: $(OBJ)/usdt/tb_usdt.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name tb_usdt_bpf > $@

$(OBJ)/usdt/tb_usdt.o: techniques/usdt/tb_usdt.c $(OBJ)/usdt/tb_usdt.skel.h | $(OBJ)/usdt
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -Itechniques/usdt -I$(OBJ)/usdt -c $< -o $@

$(OUT)/tb-usdt: $(OBJ)/usdt/tb_usdt.o $(OUT)/libtbcommon.a | $(OUT)
	$(call msg,LD,$@)
	$(Q)$(CC) $^ -o $@ -lbpf $(COMMON_LIBS) $(LDFLAGS_SAN) $(LDFLAGS_STATIC) -lm

# ---- techniques/ptrace ---------------------------------------------------------------------

# System call names, from the kernel headers this machine compiles against.
$(OBJ)/ptrace/syscall_names.h: | $(OBJ)/ptrace
	$(call msg,GEN,$@)
	$(Q)echo '#include <asm/unistd_64.h>' | $(CC) -E -dM - | \
		sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/[\2] = "\1",/p' | sort -t'[' -k2 -n > $@

$(OBJ)/ptrace/%.o: techniques/ptrace/%.c $(OBJ)/ptrace/syscall_names.h | $(OBJ)/ptrace
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -I$(OBJ)/ptrace -c $< -o $@

$(OUT)/tb-ptrace: $(OBJ)/ptrace/tb_ptrace.o $(OUT)/libtbcommon.a | $(OUT)
	$(call msg,LD,$@)
	$(Q)$(CC) $^ -o $@ -lunwind-ptrace -lunwind-generic -lunwind $(LIBS_STATIC_unwind) $(COMMON_LIBS) \
		$(LDFLAGS_SAN) $(LDFLAGS_STATIC) -lm

# ---- techniques/vm_readv -------------------------------------------------------------------

$(OBJ)/vm_readv/%.o: techniques/vm_readv/%.c | $(OBJ)/vm_readv
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(OUT)/tb-vmreadv: $(OBJ)/vm_readv/tb_vmreadv.o $(OBJ)/vm_readv/tb_vmreadv_raw.o \
		  $(OUT)/libtbcommon.a | $(OUT)
	$(call msg,LD,$@)
	$(Q)$(CC) $^ -o $@ $(COMMON_LIBS) $(LDFLAGS_SAN) $(LDFLAGS_STATIC) -lm

# ---- techniques/signal: the preloaded sampler and its controller -------------------------------

# Loaded into programs that are not built with the sanitizers (the workload): never built with
# them either, or the program would fail to load it.
$(OUT)/libtb-signal.so: techniques/signal/tb_signal_lib.c techniques/signal/tb_signal.h \
			techniques/signal/tb_signal_timer.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -Itechniques/signal -fPIC -shared $< -o $@ \
		$(PRELOAD_RPATH) -lunwind $(PRELOAD_DEPS_signal) -ldl -pthread

$(OBJ)/signal/%.o: techniques/signal/%.c | $(OBJ)/signal
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -Itechniques/signal -c $< -o $@

$(OUT)/tb-signal: $(OBJ)/signal/tb_signal.o $(OBJ)/signal/tb_signal_samples.o $(OUT)/libtbcommon.a \
		  $(OUT)/libtb-signal.so | $(OUT)
	$(call msg,LD,$@)
	$(Q)$(CC) $(filter %.o %.a,$^) -o $@ $(COMMON_LIBS) $(LDFLAGS_SAN) $(LDFLAGS_STATIC) -lm

# ---- techniques/tracefunc: the per-call hook library and its runner ---------------------------

# Loaded into the programs it traces: never with the sanitizers (as libtb-signal.so), never
# instrumented itself, and exporting nothing but the hooks (tb_elf stays private to it).
TRACEFUNC_LIB_SRCS := techniques/tracefunc/tb_tracefunc_lib.c techniques/common/tb_elf.c
$(OUT)/libtb-tracefunc.so: $(TRACEFUNC_LIB_SRCS) techniques/tracefunc/tb_tracefunc.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -Itechniques/tracefunc -fno-instrument-functions \
		-fvisibility=hidden -fPIC -shared $(TRACEFUNC_LIB_SRCS) -o $@ \
		$(PRELOAD_RPATH) -lelf $(PRELOAD_DEPS_tracefunc) -ldl -pthread

$(OBJ)/tracefunc/%.o: techniques/tracefunc/%.c | $(OBJ)/tracefunc
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_ALL) -Itechniques/tracefunc -c $< -o $@

$(OUT)/tb-tracefunc: $(OBJ)/tracefunc/tb_tracefunc.o $(OBJ)/tracefunc/tb_tracefunc_read.o \
		     $(OUT)/libtbcommon.a $(OUT)/libtb-tracefunc.so $(OUT)/libtb-tracefunc-noop.so | $(OUT)
	$(call msg,LD,$@)
	$(Q)$(CC) $(filter %.o %.a,$^) -o $@ $(COMMON_LIBS) $(LDFLAGS_SAN) $(LDFLAGS_STATIC) -lm

TOOLS := $(OUT)/tb-usdt $(OUT)/tb-ptrace $(OUT)/tb-vmreadv $(OUT)/tb-signal $(OUT)/tb-tracefunc

# The floor make bench sets tb-ptrace's breakpoints against. Built like the workload: its
# timing is the measurement, so never under the sanitizers.
$(OUT)/ptrace_floor: harness/ptrace_floor.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) $< -o $@ $(LDFLAGS_STATIC)

# The floors make bench sets tb-vmreadv against (a process_vm_readv, a timer tick): the same.
$(OUT)/vmreadv_floor: harness/vmreadv_floor.c techniques/common/tb_child.c \
		      techniques/common/tb_msg.c techniques/common/tb_target.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) $(filter %.c,$^) -o $@ $(LDFLAGS_STATIC)

# tb-signal's floors (a signal round trip; tb-signal's timers with an empty handler, preloaded
# into the workload as libtb-signal.so is): the same. signal_floor starts its command with
# tb_child compiled in with these flags, not from libtbcommon.a, which SAN=1 instruments.
$(OUT)/libtb-signal-floor.so: harness/signal_floor_lib.c harness/signal_floor.h \
			      techniques/signal/tb_signal_timer.h | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -Iharness -Itechniques/signal -fPIC -shared $< -o $@ -ldl -pthread

$(OUT)/signal_floor: harness/signal_floor.c techniques/common/tb_child.c \
		     techniques/common/tb_msg.c techniques/common/tb_target.c harness/signal_floor.h \
		     $(OUT)/libtb-signal-floor.so | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -Iharness $(filter %.c,$^) -o $@ $(LDFLAGS_STATIC)

# tb-tracefunc's floor: hooks that only read the TSC, preloaded into workload-finstrument as
# libtb-tracefunc.so is; and a program that times one TSC read and one clock_gettime. The same.
$(OUT)/libtb-tracefunc-floor.so: harness/tracefunc_floor.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -fno-instrument-functions -fPIC -shared $< -o $@

$(OUT)/tracefunc_floor: harness/tracefunc_floor.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -DTB_TRACEFUNC_FLOOR_PROGRAM $< -o $@ $(LDFLAGS_STATIC)

# The floors under every in-process hook (an empty function called through a pointer, a system
# call), the cost-per-event table's function_call and syscall floors: the same.
$(OUT)/call_floor: harness/call_floor.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) $< -o $@ $(LDFLAGS_STATIC)

# ---- tests: C unit tests and the small programs the shell tests drive ----------------------

# tests/tracee_*.c are traced by the tests, not tests themselves: built apart, below.
TRACEE_SRCS := $(wildcard tests/tracee_*.c)
TEST_C_SRCS := $(filter-out $(TRACEE_SRCS),$(wildcard tests/*.c))
TEST_BINS := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_C_SRCS))

$(TEST_BINS): $(OUT)/tests/%: tests/%.c $(OUT)/libtbcommon.a | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_ALL) $< -o $@ $(OUT)/libtbcommon.a $(COMMON_LIBS) $(LDFLAGS_SAN) $(LDFLAGS_STATIC) -lm

# A program that is not the workload, with USDT probes of its own, one in a shared library.
# Built like a user's program: the plain compiler flags, never the sanitizers.
$(OUT)/tests/libtbsdt.so: tests/sdt/sdt_lib.c | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_WARN) $(CFLAGS) -fPIC -shared $< -o $@

$(OUT)/tests/sdt-app: tests/sdt/sdt_app.c $(OUT)/tests/libtbsdt.so | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_WARN) $(CFLAGS) $< -o $@ -L$(OUT)/tests -ltbsdt -Wl,-rpath,'$$ORIGIN'

# Programs the tracefunc tests trace: every function calls the -finstrument-functions hooks
# (not inlined away, so the calls counted are the calls written), and -rdynamic exports them, so
# tracee_tf_reenter's own open and mmap interpose on the tracing library's. Never the sanitizers:
# they would be instrumented code of their own inside every hook.
$(OUT)/tests/tracee_tf_%: tests/tracee_tf_%.c | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_WARN) $(CFLAGS) -fno-inline -finstrument-functions -rdynamic $< -o $@ \
		-pthread

# Programs the ptrace tests trace, built like a user's program: LeakSanitizer cannot run under a
# tracer, and the system calls counted must be the program's own.
$(OUT)/tests/tracee_%: tests/tracee_%.c | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS_WARN) $(CFLAGS) -Iworkload $< -o $@ -pthread

TEST_EXTRA := $(OUT)/tests/workload-usdt5-redzone $(OUT)/tests/sdt-app \
	      $(patsubst tests/%.c,$(OUT)/tests/%,$(TRACEE_SRCS))

# ---- top-level targets --------------------------------------------------------------------

ALL := $(addprefix $(OUT)/,$(WORKLOAD_VARIANTS)) $(OUT)/libtb-tracefunc-noop.so \
       $(OUT)/libtbcommon.a $(TOOLS) $(OUT)/ptrace_floor $(OUT)/vmreadv_floor \
       $(OUT)/signal_floor $(OUT)/libtb-signal-floor.so $(OUT)/libtb-tracefunc-floor.so \
       $(OUT)/tracefunc_floor $(OUT)/call_floor $(TEST_BINS) $(TEST_EXTRA)

.PHONY: all test test-san test-faults bench plot bundle bundle-programs cppcheck fuzz fuzz-build setup clean help

all: $(ALL)

setup:
	$(Q)./setup.sh

UNIT_TESTS := $(filter $(OUT)/tests/test_%,$(TEST_BINS))

test: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)OUT=$(OUT) prove -f --exec '' tests/*.t $(UNIT_TESTS)

# The tools and tests under AddressSanitizer and UBSan, in their own build directory.
test-san:
	$(Q)$(MAKE) --no-print-directory test SAN=1 OUT=$(OUT)-san

test-faults: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)OUT=$(OUT) tests/faults_run.sh

bench: setup
	$(Q)$(MAKE) --no-print-directory all
	$(Q)OUT=$(OUT) harness/bench.sh

plot:
	$(Q)if [ -z "$(DIR)" ]; then \
		echo "make plot: no DIR: give the results folder, make plot DIR=results/HOST/STAMP" >&2; \
		exit 2; fi
	$(Q)harness/plot.sh "$(DIR)"

# ---- make cppcheck: static analysis of the C sources ------------------------------------------

# Every C file but the BPF programs (clang -Wall -Werror and the kernel's verifier check those, and
# cppcheck cannot read them without libbpf's headers). A finding fails the target; a deliberate
# one carries an inline "cppcheck-suppress ID" comment saying why. tests/cppcheck.t runs it.
CPPCHECK_SRCS = $(sort $(filter-out %.bpf.c,$(wildcard techniques/*/*.c workload/*.c harness/*.c tests/*.c \
	tests/sdt/*.c fuzz/*.c)))
CPPCHECK_FLAGS := --quiet --enable=warning,portability,performance --std=c11 --inline-suppr \
	--error-exitcode=1 -Iworkload -Itechniques/common

cppcheck:
	$(call msg,CPPCHECK,$(words $(CPPCHECK_SRCS)) files)
	$(Q)cppcheck $(CPPCHECK_FLAGS) -j2 $(CPPCHECK_SRCS)

# ---- make fuzz: libFuzzer targets for every parser of untrusted input (fuzz/README.md) ---------

# One target per parser, fuzz/NAME.c, built with clang's libFuzzer, ASan and UBSan into
# $(OUT)/fuzz/NAME, with the parsers it reaches (the common code and the tools' readers) compiled
# again with coverage. fuzz/run.sh runs them one at a time: FUZZ_SECONDS each, on a scratch corpus
# in $(OUT)/fuzz/corpus/NAME that grows from run to run (fuzz/corpus/NAME, committed, is only
# read; FUZZ_MERGE=1 merges what the run found into it). planted is not run: it holds a bug on
# purpose, for tests/fuzz.t to show the fuzzer finds one. tests/fuzz.t runs a few seconds of each.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= json truth maps proc elf spec vmreadv_raw signal_samples tracefunc_recording \
	stack_reader
FUZZ_BINS = $(addprefix $(OUT)/fuzz/,$(FUZZ_TARGETS) planted)
FUZZ_OBJ := $(OUT)/fuzz/obj
FUZZ_LIB_SRCS := $(COMMON_SRCS) techniques/vm_readv/tb_vmreadv_raw.c \
	techniques/signal/tb_signal_samples.c techniques/tracefunc/tb_tracefunc_read.c
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -fno-omit-frame-pointer -MMD -MP \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-Iworkload -Itechniques/common -Itechniques/vm_readv -Itechniques/signal \
	-Itechniques/tracefunc -I$(OBJ)/ptrace

$(FUZZ_OBJ)/%.o: %.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D) && $(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# tb-ptrace's system call names, for the spec target
$(FUZZ_OBJ)/fuzz/spec.o: $(OBJ)/ptrace/syscall_names.h

$(OUT)/fuzz/libtbfuzz.a: $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(FUZZ_LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BINS): $(OUT)/fuzz/%: $(FUZZ_OBJ)/fuzz/%.o $(OUT)/fuzz/libtbfuzz.a
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ -o $@ -lelf -lz -lm

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)FUZZ_MERGE='$(FUZZ_MERGE)' fuzz/run.sh $(OUT)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- make bundle: what make bench runs, for a host with no compiler -------------------------

# Built with STATIC=1 in a directory of its own (build/ stays as it is), then packed with the
# harness by harness/bundle.sh into $(OUT)-bundle/tracebench-bundle-HASH.tar.gz, whose run-bench
# runs harness/bench.sh (see README.md, "Measuring on another machine").
BUNDLE_PROGRAMS := $(WORKLOAD_VARIANTS) libtb-tracefunc-noop.so tb-usdt tb-ptrace tb-vmreadv \
	tb-signal libtb-signal.so tb-tracefunc libtb-tracefunc.so ptrace_floor vmreadv_floor \
	signal_floor libtb-signal-floor.so libtb-tracefunc-floor.so tracefunc_floor call_floor \
	tests/json_get tests/uprobe_count

bundle:
	$(Q)$(MAKE) --no-print-directory bundle-programs STATIC=1 OUT=$(OUT)-bundle
	$(call msg,BUNDLE,$(OUT)-bundle/tracebench-bundle.tar.gz)
	$(Q)CC='$(CC)' BPF_CLANG='$(BPF_CLANG)' BPFTOOL='$(BPFTOOL)' \
		harness/bundle.sh $(OUT)-bundle $(BUNDLE_PROGRAMS) $(addprefix lib/,$(BUNDLE_LIBS))

bundle-programs: $(addprefix $(OUT)/,$(BUNDLE_PROGRAMS)) $(addprefix $(OUT)/lib/,$(BUNDLE_LIBS))

# The shared libraries the preloaded libraries need (STATIC=1), copied from this machine.
$(OUT)/lib/%: | $(OUT)/lib
	$(call msg,CP,$@)
	$(Q)cp -L "$$($(CC) -print-file-name=$*)" $@

clean:
	$(call msg,CLEAN,$(OUT) $(OUT)-san $(OUT)-bundle)
	$(Q)rm -rf $(OUT) $(OUT)-san $(OUT)-bundle

help:
	@sed -n '3,23s/^# \{0,1\}//p' Makefile

$(OUT) $(OUT)/tests $(OUT)/lib $(OBJ)/common $(OBJ)/workload-json $(OBJ)/usdt $(OBJ)/ptrace $(OBJ)/vm_readv $(OBJ)/signal \
	$(OBJ)/tracefunc:
	$(Q)mkdir -p $@

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
