# Bootable disk images (included by the top-level Makefile).
#   make image       $(IMAGE): GPT + FAT32 ESP with BOOTX64.EFI, $(KERNEL), $(CONFIG), $(MODULES)
#   make run-image   boot $(IMAGE) in QEMU (IMAGE_BUS=virtio|ahci|usb), serial on this terminal; ends as make run
# Writing it to a USB stick: scripts/write-usb.sh [--dry-run] /dev/sdX (not a make target: it needs root).
# Variables: KERNEL, CONFIG (ember.cfg), MODULES (space-separated files), IMAGE_SIZE (MiB, default 64),
# IMAGE (default build/ember.img).
MODULES    ?=
IMAGE_SIZE ?=
IMAGE_BUS  ?= virtio
IMAGE      ?= $(BUILD)/ember.img

# $(IMAGE).inputs records what the image was built from. `make run-image` with none of KERNEL=,
# CONFIG=, MODULES=, IMAGE_SIZE= given (and without `image` among the goals) boots what `make image`
# last put in: it reads them back from there, so the image is rebuilt only when those files or the
# loader changed, never with the defaults behind the user's back.
IMAGE_INPUTS := $(IMAGE).inputs
image_var_given = $(filter-out file undefined,$(origin $(1)))
image_from_record := $(and $(filter run-image,$(MAKECMDGOALS)),$(if $(filter image,$(MAKECMDGOALS)),,x),\
	$(if $(strip $(foreach v,KERNEL CONFIG MODULES IMAGE_SIZE,$(call image_var_given,$(v)))),,x),$(wildcard $(IMAGE_INPUTS)))
image_recorded = $(shell sed -n 's/^$(1)=//p' $(IMAGE_INPUTS))
IMG_KERNEL  := $(if $(image_from_record),$(call image_recorded,KERNEL),$(KERNEL))
IMG_CONFIG  := $(if $(image_from_record),$(call image_recorded,CONFIG),$(CONFIG))
IMG_MODULES := $(if $(image_from_record),$(call image_recorded,MODULES),$(MODULES))
IMG_SIZE    := $(if $(image_from_record),$(call image_recorded,IMAGE_SIZE),$(IMAGE_SIZE))

IMAGE_ARGS := $(strip --loader $(BUILD)/BOOTX64.EFI --kernel $(IMG_KERNEL) $(if $(IMG_CONFIG),--config $(IMG_CONFIG)) \
	$(foreach m,$(IMG_MODULES),--module $(m)) $(if $(IMG_SIZE),--size-mib $(IMG_SIZE)))
IMAGE_RECORD := 'KERNEL=$(IMG_KERNEL)' 'CONFIG=$(IMG_CONFIG)' 'MODULES=$(IMG_MODULES)' 'IMAGE_SIZE=$(IMG_SIZE)'

# Rewritten only when the inputs differ: a changed list (CONFIG= dropped...) rebuilds the image too.
$(IMAGE_INPUTS): image-args-check
	@mkdir -p $(dir $@)
	@printf '%s\n' $(IMAGE_RECORD) | cmp -s - $@ 2>/dev/null || printf '%s\n' $(IMAGE_RECORD) > $@

$(IMAGE): $(BUILD)/BOOTX64.EFI $(IMG_KERNEL) $(IMG_CONFIG) $(IMG_MODULES) scripts/mkimage.sh $(IMAGE_INPUTS) | $(DEPS_STAMP)
	@echo "  IMAGE   $@"
	$(Q)scripts/mkimage.sh $@ $(IMAGE_ARGS)

.PHONY: image run-image image-args-check
image-args-check:
image: $(IMAGE)

run-image: $(IMAGE) $(BUILD)/SENTINEL.EFI | $(DEPS_STAMP)
	@$(RUN) --image $(IMAGE) --disk-bus $(IMAGE_BUS)
