# Secure Boot: `make sign KEY=... CERT=...` signs BOOTX64.EFI; test artifacts signed with Debian's
# OVMF snakeoil key (enrolled in OVMF_VARS_4M.snakeoil.fd).
SNAKEOIL_KEY  := /usr/share/ovmf/PkKek-1-snakeoil.key
SNAKEOIL_CERT := /usr/share/ovmf/PkKek-1-snakeoil.pem
SECBOOT := $(BUILD)/secboot

.PHONY: sign secboot-artifacts
sign: $(BUILD)/BOOTX64.EFI | $(DEPS_STAMP)
	@if [ -z "$(KEY)" ] || [ -z "$(CERT)" ]; then echo "usage: make sign KEY=key.pem CERT=cert.pem" >&2; exit 2; fi
	sbsign --key $(KEY) --cert $(CERT) --output $(BUILD)/BOOTX64.signed.EFI $<
	@echo "signed: $(BUILD)/BOOTX64.signed.EFI"

# The snakeoil key is encrypted with the passphrase "snakeoil".
$(SECBOOT)/snakeoil.key: | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)openssl pkey -in $(SNAKEOIL_KEY) -passin pass:snakeoil -out $@

$(SECBOOT)/%.signed.EFI: $(BUILD)/%.EFI $(SECBOOT)/snakeoil.key
	@echo "  SBSIGN  $@"
	$(Q)sbsign --key $(SECBOOT)/snakeoil.key --cert $(SNAKEOIL_CERT) --output $@ $< 2>/dev/null

# A loader that pins tests/qemu/pinned.cfg, signed.
$(SECBOOT)/PINNED.EFI: $(BUILD)/BOOTX64.EFI tests/qemu/pinned.cfg scripts/pin-config.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/pin-config.sh $< tests/qemu/pinned.cfg $@ >/dev/null
$(SECBOOT)/PINNED.signed.EFI: $(SECBOOT)/PINNED.EFI $(SECBOOT)/snakeoil.key
	@echo "  SBSIGN  $@"
	$(Q)sbsign --key $(SECBOOT)/snakeoil.key --cert $(SNAKEOIL_CERT) --output $@ $< 2>/dev/null

secboot-artifacts: $(SECBOOT)/BOOTX64.signed.EFI $(SECBOOT)/SENTINEL.signed.EFI $(SECBOOT)/PINNED.signed.EFI
