/* State of a Multiboot boot (src/proto/multiboot/), in b->proto_state. The protocols themselves
 * (proto_multiboot1, proto_multiboot2) are rows of src/proto/select.c's table. */
#ifndef EMBER_PROTO_MULTIBOOT_H
#define EMBER_PROTO_MULTIBOOT_H

#include "core/mbinfo.h"
#include "core/pipeline.h"
#include "proto/proto.h"

#define MB_MAX_IOAPICS 16

struct mb_boot {
    struct pipe_multiboot kernel;      /* version and the physical segments */
    struct mb_writer w;                /* the information structure, below 4 GiB */
    uint32_t size;                     /* its bytes when finished; 0 if it did not fit */
    EFI_PHYSICAL_ADDRESS trampoline;   /* a page below 4 GiB holding arch/x86_64/mb_enter.S */
    unsigned move_count;               /* page ranges staged elsewhere, moved into place by the trampoline */
    struct { uint32_t from, to, bytes; } moves[MB_MAX_SEGMENTS];
    struct ember_memmap_entry *held_map; /* the final map with the kernel's ranges typed (pool) */
    struct mb_sections sections;       /* num 0: none given */
    EFI_PHYSICAL_ADDRESS sections_phys; /* the table, then the sections ember loaded for it */
    size_t held_cap;
    uint64_t ioapics[MB_MAX_IOAPICS];  /* masked after ExitBootServices, as the PICs */
    unsigned ioapic_count;
};

static inline struct mb_boot *mb_state_of(struct boot *b)
{
    return (struct mb_boot *)b->proto_state;
}

/* Stage "check the machine" (mb_machine.c): what the header requires that depends on the machine -
 * a console, information tags of the firmware's tables - is there, else one line and a refusal. */
EFI_STATUS mb_stage_check_machine(struct boot *b);

#endif
