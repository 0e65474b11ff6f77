/* State of a Multiboot boot (src/proto/multiboot/); boot.c and the headers stage reach it through
 * b->mb. */
#ifndef EMBER_PROTO_MULTIBOOT_H
#define EMBER_PROTO_MULTIBOOT_H

#include "core/mbinfo.h"
#include "core/pipeline.h"
#include "proto/proto.h"

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
};

extern const struct protocol proto_multiboot1;
extern const struct protocol proto_multiboot2;

/* After stage "read kernel headers" found a Multiboot kernel: b->mb (pool) with its plan. */
EFI_STATUS mb_adopt(struct boot *b, const struct pipe_multiboot *kernel);

/* Stage "load multiboot kernel". */
EFI_STATUS mb_stage_load(struct boot *b);

#endif
