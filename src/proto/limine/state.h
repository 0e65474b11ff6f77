/* State shared by the Limine protocol's files (src/proto/limine/); nothing else includes it. */
#ifndef EMBER_PROTO_LIMINE_H
#define EMBER_PROTO_LIMINE_H

#include "core/decide.h"
#include "core/lmemmap.h"
#include "core/lscan.h"
#include "proto/proto.h"

#define LIMINE_MAX_IOAPICS 16

struct limine_state {
    struct lscan_result scan;
    uint64_t revision;                /* the base revision ember boots the kernel with */
    uint64_t entry;                   /* ELF entry, or the entry point request's */
    bool answered[LSCAN_MAX_REQUESTS];
    struct address_space kspace;      /* revision >= 1: tables without the identity map */
    struct address_space *space;      /* the kernel's tables: &kspace, or &b->space (revision 0) */
    EFI_PHYSICAL_ADDRESS trampoline;  /* one page: arch/x86_64/trampoline.S, args filled in */
    uint64_t trampoline_alias;        /* its executable address in both address spaces */
    uint8_t *block;                   /* responses, GDT and strings (bootloader-reclaimable) */
    uint64_t block_phys, block_used, block_size;
    struct limine_memmap_response *memmap;
    struct limine_memmap_entry *entries; /* memmap entries, entries_cap of them */
    uint64_t *entry_ptrs;
    size_t entries_cap;
    struct limine_efi_memmap_response *efi_memmap;
    uint64_t gdt_phys;
    uint64_t cmdline_va;              /* the kernel's command line in the block (0: not made yet) */
    struct lmemmap_firmware_ranges firmware; /* revision >= 4: firmware data kept in the direct map */
    uint64_t ioapics[LIMINE_MAX_IOAPICS]; /* physical MMIO bases, masked after ExitBootServices */
    unsigned ioapic_count;
    struct limine_mp_response *mp;    /* MP request: response, infos and pointers (limine_mp.c) */
    struct limine_mp_info *mp_infos;
    uint64_t *mp_ptrs;
    unsigned mp_info_count;
    struct limine_bootloader_performance_response *perf; /* exec_usec written at the handoff */
};

static inline struct limine_state *limine_state_of(struct boot *b)
{
    return (struct limine_state *)b->proto_state;
}

/* The one request of kind k the kernel made (verdict ok), or NULL. */
const struct lscan_request *limine_find_request(const struct limine_state *st, enum lscan_kind k);

/* The loader's work after the request scan (pipe_hooks.after_scan): requests not answered and
 * .bss requests logged, the executable file copied from the bytes as read. */
EFI_STATUS limine_after_scan(struct boot *b, const struct lscan_result *scan);

/* src/proto/limine/responses.c: the responses (before ExitBootServices) and the memory maps (after). */
EFI_STATUS limine_build_responses(struct boot *b);
void limine_finish_responses(struct boot *b);

/* src/proto/limine/mp.c: the MP request and Limine's x2APIC rule (prepare; fails when x2APIC is
 * locked on against the request), its response (build), the CPUs that checked in (finish, after the
 * APs were started). */
EFI_STATUS limine_mp_prepare(struct boot *b, const struct limine_state *st);
void *limine_mp_answer(struct boot *b, struct limine_state *st);
void limine_mp_finish(struct boot *b, struct limine_state *st);

#endif
