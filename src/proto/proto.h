/* Boot protocols: what each needs from the loader core and how it hands over (src/proto/). The core
 * (ELF plan, placement, address space, memory map, file reads, ExitBootServices) knows none of them;
 * a new protocol is its module in src/proto/ and a row in the table in src/proto/select.c. */
#ifndef EMBER_PROTO_H
#define EMBER_PROTO_H

#include "uefi/boot.h"

struct pipe_multiboot;

struct protocol {
    const char *name;                                  /* "ember", "limine", ...: ember.cfg's protocol= */
    /* What boot.c runs after "read kernel headers" (ending with { NULL, NULL }): paging_stages for
     * the ELF64 protocols, the protocol's own list otherwise. */
    const struct stage *stages;
    /* Modules end at or below this physical address (0: anywhere). */
    uint64_t module_limit;
    /* When stage "read kernel headers" picked this protocol from the kernel's Multiboot header (or
     * NULL): takes the header's plan over, into b->proto_state. */
    EFI_STATUS (*adopt)(struct boot *b, const struct pipe_multiboot *kernel);
    /* After pipe_choose_protocol chose this protocol (b->decision): carries its decisions out, such
     * as b->stack_size. May allocate; logs its own failures. */
    EFI_STATUS (*prepare)(struct boot *b);
    /* Maps the segments and whatever else the protocol promises (direct map, ...). */
    EFI_STATUS (*map)(struct boot *b);
    /* Builds the handoff structures from b->facts and b->modules (may allocate). */
    EFI_STATUS (*build)(struct boot *b);
    /* After ExitBootServices: the parts that depend on the final memory map (b->memory.memmap). No
     * allocation and no firmware call. */
    void (*finish)(struct boot *b);
    /* Jumps to the kernel; never returns. */
    __attribute__((noreturn)) void (*enter)(struct boot *b);
};

extern const struct protocol proto_ember;
extern const struct protocol proto_limine;
extern const struct protocol proto_multiboot1;
extern const struct protocol proto_multiboot2;

/* Stage "read kernel headers": the protocol whose stages load this kernel, by the Multiboot check's
 * verdict - a Multiboot protocol adopts the plan; an ELF64 kernel gets the ember protocol until stage
 * "choose protocol" (the same stages) decides between ember and Limine. */
EFI_STATUS proto_take_kernel(struct boot *b, const struct pipe_multiboot *kernel);

/* Core mapping helpers the protocols share (src/uefi/space.c). */
/* Maps every region of the plan at its vaddr -> b->kernel.regions[i].phys with its permissions into as.
 * Pages the firmware's identity map already has there (lower-half kernels) are replaced. */
EFI_STATUS space_map_segments(struct boot *b, struct address_space *as);
/* Maps physical [base, base + size) (rounded out to 4 KiB) at b->hhdm_offset + base with attr,
 * using the largest pages that fit (up to b->hhdm_page_size); pages already mapped are kept. */
EFI_STATUS space_map_direct(struct boot *b, struct address_space *as, uint64_t base, uint64_t size,
                            enum page_attr attr);

/* The I/O APICs the MADT lists (at most cap) into out, for proto_mask_interrupts after
 * ExitBootServices; without a usable MADT none (a WARN line naming who). */
unsigned proto_find_ioapics(const struct boot *b, const char *who, uint64_t *out, unsigned cap);
/* Keeps (in order) the I/O APICs the page tables in CR3 map at their own address, so that masking
 * them cannot fault; each other one is a WARN line. Returns how many were kept. */
unsigned proto_keep_identity_mapped(uint64_t *ioapics, unsigned count, const char *who);
/* After ExitBootServices (src/proto/interrupts.c): both 8259 PICs' lines masked (OCW1) and the I/O
 * APICs' entries as ioapic_mask_entries(nmi_and_extint) masks them. */
void proto_mask_interrupts(const struct boot *b, const uint64_t *ioapics, unsigned count, bool nmi_and_extint,
                           const char *who);

#endif
