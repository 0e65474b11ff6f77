# Bootable disk images (included by the top-level Makefile).
#   make image       build/ember.img: GPT + FAT32 ESP with BOOTX64.EFI, $(KERNEL), $(CONFIG), $(MODULES)
#   make run-image   boot build/ember.img in QEMU (IMAGE_BUS=virtio|ahci|usb), serial on this terminal; ends as make run
# Writing it to a USB stick: scripts/write-usb.sh [--dry-run] /dev/sdX (not a make target: it needs root).
# Variables: KERNEL, CONFIG (ember.cfg), MODULES (space-separated files), IMAGE_SIZE (MiB, default 64).
MODULES    ?=
IMAGE_SIZE ?=
IMAGE_BUS  ?= virtio
IMAGE      := $(BUILD)/ember.img

IMAGE_ARGS := $(strip --loader $(BUILD)/BOOTX64.EFI --kernel $(KERNEL) $(if $(CONFIG),--config $(CONFIG)) \
	$(foreach m,$(MODULES),--module $(m)) $(if $(IMAGE_SIZE),--size-mib $(IMAGE_SIZE)))

# Rebuild the image when its inputs change, and also when the argument list does (CONFIG= dropped...).
$(BUILD)/image.args: image-args-check
	@mkdir -p $(dir $@)
	@echo '$(IMAGE_ARGS)' | cmp -s - $@ 2>/dev/null || echo '$(IMAGE_ARGS)' > $@

$(IMAGE): $(BUILD)/BOOTX64.EFI $(KERNEL) $(CONFIG) $(MODULES) scripts/mkimage.sh $(BUILD)/image.args | $(DEPS_STAMP)
	@echo "  IMAGE   $@"
	$(Q)scripts/mkimage.sh $@ $(IMAGE_ARGS)

.PHONY: image run-image image-args-check
image-args-check:
image: $(IMAGE)

run-image: $(IMAGE) $(BUILD)/SENTINEL.EFI | $(DEPS_STAMP)
	@$(RUN) --image $(IMAGE) --disk-bus $(IMAGE_BUS)
