# ember: build the UEFI loader, the sample kernel and the tests. No recursive make; objects in build/.
.DELETE_ON_ERROR:
.SUFFIXES:
.DEFAULT_GOAL := all

BUILD   := build
VERSION := 0.1.0
KERNEL  ?= $(BUILD)/kernel/kernel.elf
CONFIG  ?=

V       ?= 0
Q       := $(if $(filter 1,$(V)),,@)
CC      := gcc
LD      := ld
OBJCOPY := objcopy
CLANG   := clang

# --- dependencies: install from Debian when a tool or library is missing -------------------------
DEPS_STAMP := $(BUILD)/.deps-installed
# install-deps.sh asks dpkg for each package (well under a second) and installs only what is missing.
$(DEPS_STAMP):
	@mkdir -p $(BUILD)
	@scripts/install-deps.sh
	@touch $@

# --- the loader (PE32+ EFI application) -----------------------------------------------------------
EFI_INC  := /usr/include/efi
EFI_LIB  := /usr/lib
EFI_LDS  := $(EFI_LIB)/elf_x86_64_efi.lds
EFI_CRT0 := $(EFI_LIB)/crt0-efi-x86_64.o

WARN := -Wall -Wextra -Werror
# include/: the kernel's ABI ("ember/bootinfo.h"); src/: "core/...", "uefi/...", "proto/..."; .: "arch/arch.h"
INCLUDES := -Iinclude -Isrc -I.
# -Os: the boot path spends its time in firmware calls and copies, not in ember's code (make bench
# measures -Os against -O2); hidden visibility keeps ember's symbols out of the dynamic symbol table,
# which only the self-relocation reads (and it needs none).
EFI_CFLAGS := -std=gnu11 -Os -g $(WARN) -fpic -fvisibility=hidden -ffreestanding -fno-stack-protector -fno-stack-check \
	-fshort-wchar -mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI \
	-DEMBER_VERSION='"$(VERSION)"' $(INCLUDES) -I$(EFI_INC) -I$(EFI_INC)/x86_64 -MMD -MP
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -T $(EFI_LDS)
# No .dynsym: gnu-efi's self-relocation applies RELATIVE entries through .dynamic and .rela only.
EFI_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .rel -j .rela -j .reloc

# The layers: src/core/ and the pure arch files (no firmware, built for the loader and the host
# alike), src/uefi/ (the firmware front end), src/proto/ (one module per boot protocol), src/inspect/
# (ember-inspect, host only). arch/ is reached through arch/arch.h.
CORE_SRCS   := $(wildcard src/core/*.c) arch/x86_64/paging.c arch/x86_64/cpumode.c arch/x86_64/gdt.c
LOADER_SRCS := $(wildcard src/core/*.c src/uefi/*.c src/proto/*.c src/proto/limine/*.c src/proto/multiboot/*.c \
	arch/x86_64/*.c arch/x86_64/*.S)
LOADER_OBJS := $(patsubst %,$(BUILD)/efi/%.o,$(LOADER_SRCS))

# The Makefile is a prerequisite: a changed EFI_CFLAGS rebuilds the loader, not only touched sources.
$(BUILD)/efi/%.c.o: %.c Makefile | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/%.S.o: %.S Makefile | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(EFI_CFLAGS) -c $< -o $@

# ember.so is the unstripped loader with debug info: GDB loads it at the image base ember logs.
# Only crt0 and libgnuefi's self-relocation: libefi's Print and device-path code would double the size.
$(BUILD)/ember.so: $(LOADER_OBJS)
	@echo "  LD      $@"
	$(Q)$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $^ -L$(EFI_LIB) -lgnuefi -o $@

$(BUILD)/BOOTX64.EFI: $(BUILD)/ember.so
	@echo "  OBJCOPY $@"
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) --strip-all --target efi-app-x86_64 --subsystem=10 $< $@

# Tiny EFI apps used by tests: the firmware-return sentinel.
$(BUILD)/sentinel.so: $(BUILD)/efi/tests/sentinel/sentinel.c.o
	@echo "  LD      $@"
	$(Q)$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $^ -L$(EFI_LIB) -lefi -lgnuefi -o $@
$(BUILD)/SENTINEL.EFI: $(BUILD)/sentinel.so
	@echo "  OBJCOPY $@"
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

# ember-inspect without its command line: the unit tests and fuzz_inspect link it too.
INSPECT_LIB_SRCS := $(filter-out src/inspect/main.c,$(wildcard src/inspect/*.c))

# --- more rules: the sample kernel (tests/kernel/kernel.mk), image/debug/fuzz fragments -------------
include $(sort $(wildcard tests/*/*.mk scripts/*.mk src/*/*.mk))

# --- host builds: the pure code once per flavour (plain, ASan+UBSan) as libraries ----------------
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) $(INCLUDES) -MMD -MP
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(BUILD)/host/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) -c $< -o $@
$(BUILD)/host-san/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -c $< -o $@

# libcore.a: src/core/ and the pure arch files; libinspect.a: ember-inspect's analysis and reports.
define host_libs
$(BUILD)/$(1)/libcore.a: $(patsubst %.c,$(BUILD)/$(1)/%.o,$(CORE_SRCS))
	@echo "  AR      $$@"
	$(Q)rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/$(1)/libinspect.a: $(patsubst %.c,$(BUILD)/$(1)/%.o,$(INSPECT_LIB_SRCS))
	@echo "  AR      $$@"
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach v,host host-san,$(eval $(call host_libs,$(v))))

# --- host unit tests (cmocka): each test file links the libraries, which hold every pure module ---
UNIT_TESTS  := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))

define unit_rules
$(BUILD)/host/$(1): $(BUILD)/host/tests/unit/$(1).o $(BUILD)/host/libinspect.a $(BUILD)/host/libcore.a
	@echo "  LINK    $$@"
	$(Q)$(CC) $$^ -lcmocka -o $$@
$(BUILD)/host-san/$(1): $(BUILD)/host-san/tests/unit/$(1).o $(BUILD)/host-san/libinspect.a $(BUILD)/host-san/libcore.a
	@echo "  LINK    $$@"
	$(Q)$(CC) $(SAN_FLAGS) $$^ -lcmocka -o $$@
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rules,$(t))))

UNIT_BINS := $(addprefix $(BUILD)/host/,$(UNIT_TESTS)) $(addprefix $(BUILD)/host-san/,$(UNIT_TESTS))

# --- top-level targets ----------------------------------------------------------------------------
.PHONY: all loader kernels unit run test test-all clean
all: $(BUILD)/BOOTX64.EFI $(BUILD)/SENTINEL.EFI kernels $(BUILD)/ember-inspect $(BUILD)/host-san/ember-inspect
loader: $(BUILD)/BOOTX64.EFI
unit: $(UNIT_BINS)

# `make run` and `make run-image` end with scripts/run.sh's closing line, which names the outcome and
# its status (0 only when the kernel passed; make reports any other as `Error N`). The sentinel on a
# second disk ends a refused boot instead of the firmware's shell. TIMEOUT=SECONDS stops QEMU; RUN_DIR
# holds the ESP and the logs of the last run.
TIMEOUT ?=
RUN_DIR ?= $(BUILD)/run
RUN = scripts/run.sh --log-dir $(RUN_DIR) $(if $(TIMEOUT),--timeout $(TIMEOUT)) --sentinel $(BUILD)/SENTINEL.EFI \
	--gdb-port $(GDB_PORT)

# The ESP for `make run`: BOOTX64.EFI, the kernel at the root, ember.cfg when CONFIG= is given.
run: $(BUILD)/BOOTX64.EFI $(BUILD)/SENTINEL.EFI $(KERNEL) | $(DEPS_STAMP)
	@$(RUN) --esp $(RUN_DIR)/esp --loader $(BUILD)/BOOTX64.EFI --kernel $(KERNEL) $(if $(CONFIG),--config $(CONFIG))

test: all unit secboot-artifacts | $(DEPS_STAMP)
	scripts/test.sh

# Everything in `make test` (every QEMU case already runs there) with a longer fuzz run.
test-all: all unit secboot-artifacts | $(DEPS_STAMP)
	FUZZ_SECONDS=$${FUZZ_SECONDS:-120} scripts/test.sh

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
