# `make debug`: like `make run`, but QEMU starts paused in the background (serial to
# build/debug-serial.log, gdbstub on GDB_PORT) and GDB attaches in the foreground with
# scripts/gdb/ember.py and the kernel's symbols; quitting GDB stops QEMU.
#   make debug [KERNEL=elf] [CONFIG=cfg] [GDB_PORT=1234] [TIMEOUT=s] [GDB_ARGS="-batch -ex 'hbreak kmain' -ex c"]
# GDB_ARGS come last on GDB's command line, after ember's own -x/-ex, and make leaves them as given
# ($(value ...)): `-ex 'p/x $pc'` reaches GDB with its $.
DEBUG_SERIAL ?= $(BUILD)/debug-serial.log
DEBUG_ESP    ?= $(BUILD)/debug-esp
GDB_PORT     ?= 1234
GDB_ARGS     ?=

.PHONY: debug
# Ctrl-C in GDB (interrupt the guest) also reaches make and this shell: QEMU runs in its own session
# (setsid) so it never sees it, the shell traps it and still stops QEMU when GDB exits.
debug: $(BUILD)/BOOTX64.EFI $(BUILD)/ember.so $(KERNEL) | $(DEPS_STAMP)
	@rm -f $(DEBUG_SERIAL); \
	setsid scripts/qemu.sh --esp $(DEBUG_ESP) --loader $(BUILD)/BOOTX64.EFI --kernel $(KERNEL) \
		$(if $(CONFIG),--config $(CONFIG)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) --interactive --gdb-wait \
		--gdb-port $(GDB_PORT) --serial $(DEBUG_SERIAL) </dev/null & qemu=$$!; \
	trap 'kill $$qemu 2>/dev/null' EXIT; trap 'true' INT; \
	EMBER_GDB_QUIET=1 gdb -q -x scripts/gdb/ember.py -ex 'set tcp connect-timeout 30' \
		-ex 'ember-attach 127.0.0.1:$(GDB_PORT) --kernel $(KERNEL) --log $(DEBUG_SERIAL)' $(value GDB_ARGS); \
	kill $$qemu 2>/dev/null; wait $$qemu 2>/dev/null; true
