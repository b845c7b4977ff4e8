# Alcove - one non-recursive Makefile.
#   make            build/alcove (CLI) and build/alcove-direct (LibOS core + direct backend)
#   make test       layering check, unit tests, differential ABI tests, application tests
#   make bench      ratios against native
#   make check-layers
#   make install    PREFIX=/usr/local (DESTDIR too): the CLI, the core, the bash completion

BUILD   ?= build
CC      ?= gcc
V       ?= @

# The trusted core: freestanding, no libc, no stack protector, no SSE (the kvm backend runs
# it in ring 0), position independent so it can live anywhere in the host process.
CORE_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror=implicit-function-declaration \
	-ffreestanding -fno-builtin -nostdlib -fno-stack-protector -fno-stack-clash-protection \
	-fcf-protection=none -fPIE -fvisibility=hidden -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fno-omit-frame-pointer -Iinclude -Ilibos -Icommon -I$(BUILD)/gen
CORE_LDFLAGS := -static-pie -nostdlib -Wl,--no-dynamic-linker -Wl,-z,norelro -Wl,--no-undefined \
	-Wl,-e,_start -Wl,-z,noexecstack -Wl,--build-id=none

HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Iinclude -Icommon

# libsodium: Debian's static library, in the core as shipped (kernel/sodium_shim.c answers
# what it wants from a libc) and in the CLI.
SODIUM_A := $(shell $(CC) -print-file-name=libsodium.a)
CLI_LIBS := -l:libsodium.a -l:libjansson.a -l:libcrypto.a
# OpenSSL's SHA-256 (common/sha256.h): the core takes only its two objects from Debian's
# static libcrypto (kernel/ossl_shim.c answers the two symbols they need); the CLI links
# the library.
CRYPTO_A := $(shell $(CC) -print-file-name=libcrypto.a)
OSSL_OBJ := $(BUILD)/ossl/libcrypto-lib-sha256.o $(BUILD)/ossl/libcrypto-lib-sha256-x86_64.o

LIBOS_SRC  := $(wildcard libos/*/*.c) $(wildcard libos/*/*.S)
COMMON_SRC := $(wildcard common/*.c)
DIRECT_SRC := $(wildcard pal/direct/*.c) $(wildcard pal/direct/*.S)
CLI_SRC    := $(wildcard tools/alcove/*.c)

obj = $(patsubst %,$(BUILD)/obj/%.o,$(1))
LIBOS_OBJ  := $(call obj,$(LIBOS_SRC))
COMMON_OBJ := $(call obj,$(COMMON_SRC))
DIRECT_OBJ := $(call obj,$(DIRECT_SRC))
CLI_OBJ    := $(patsubst %,$(BUILD)/host/%.o,$(CLI_SRC) $(COMMON_SRC))

all: $(BUILD)/alcove $(BUILD)/alcove-direct docs/syscalls.md

# Every system call number, its status and the tests that mention it, from the one table.
# Regenerated on every build (FORCE): after a checkout or a merge the committed doc can be
# newer than the table it was made from, so time stamps cannot decide; the script rewrites
# the file only when its text changes.
UNISTD_64 := /usr/include/x86_64-linux-gnu/asm/unistd_64.h
docs/syscalls.md: FORCE
	$(V)python3 scripts/gen-syscalls-md.py $(UNISTD_64) . $@

$(BUILD)/gen/sysnames.h: /usr/include/x86_64-linux-gnu/asm/unistd_64.h
	@mkdir -p $(dir $@)
	$(V)echo '/* generated from the kernel UAPI header: syscall number -> name */' > $@.tmp
	$(V)echo 'static const char *const sysnames[] = {' >> $@.tmp
	$(V)sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/    [\2] = "\1",/p' $< >> $@.tmp
	$(V)echo '};' >> $@.tmp
	$(V)mv $@.tmp $@

$(BUILD)/obj/%.c.o: %.c $(BUILD)/gen/sysnames.h $(wildcard include/*.h libos/*.h libos/*/*.h common/*.h pal/direct/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(V)$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS    $<"
	$(V)$(CC) $(CORE_CFLAGS) -c $< -o $@

$(OSSL_OBJ): $(CRYPTO_A)
	@mkdir -p $(dir $@)
	@echo "  AR x  $(notdir $@)"
	$(V)cd $(dir $@) && ar x $(CRYPTO_A) $(notdir $@) && touch $(notdir $@)

$(BUILD)/alcove-direct: $(LIBOS_OBJ) $(COMMON_OBJ) $(DIRECT_OBJ) $(OSSL_OBJ)
	@echo "  LD    $@"
	$(V)$(CC) $(CORE_LDFLAGS) -o $@ $^ $(SODIUM_A) -lgcc

$(BUILD)/host/%.c.o: %.c $(wildcard include/*.h common/*.h tools/alcove/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC $<"
	$(V)$(CC) $(HOST_CFLAGS) -c $< -o $@

$(BUILD)/alcove: $(CLI_OBJ)
	@echo "  LD    $@"
	$(V)$(CC) -o $@ $^ $(CLI_LIBS)

# The core must not link a libc symbol nor make a host syscall outside pal/.
check-layers: $(BUILD)/alcove-direct
	$(V)sh tests/check-layers.sh $(BUILD)

# Everything, the upstream suites included (about 10 minutes on 2 cores).
test: all check-layers
	$(V)sh tests/run-all.sh

# Without the upstream suites (under a minute): for the edit-compile-test loop.
test-quick: all check-layers
	$(V)ALCOVE_QUICK=1 sh tests/run-all.sh

# Long-running checks, not in `make test`: 1,000 kill -9 trials against a volume.
stress: all
	$(V)STRESS=1 bash tests/volume/run.sh
	$(V)ROBUST_TRIALS=50 bash tests/robust/run.sh

bench: all
	$(V)bash bench/run.sh

# Only the upstream suites (BusyBox's testsuite from Debian's source package, CPython's
# regression tests from libpython3.11-testsuite), each compared with a native run in the
# same run; both are also part of `make test`.
test-upstream: all
	$(V)bash tests/upstream/busybox.sh
	$(V)bash tests/upstream/python.sh

# alcove and the core side by side (alcove runs the alcove-direct next to it), the bash
# completion where bash-completion looks for it.  DESTDIR for staged installs.
PREFIX  ?= /usr/local
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
install: $(BUILD)/alcove $(BUILD)/alcove-direct
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BUILD)/alcove $(BUILD)/alcove-direct $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 tools/completion/alcove.bash $(DESTDIR)$(BASHCOMPDIR)/alcove

clean:
	rm -rf $(BUILD)

.PHONY: all test test-quick bench clean check-layers test-upstream stress install FORCE
FORCE:
