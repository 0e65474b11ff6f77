/* The Multiboot 2 EFI amd64 probe (Multiboot2 2.0, 3.5: "EFI amd64 machine state with boot services
 * enabled"): checks EAX, the boot-services-not-terminated and image-handle tags and the system
 * table, then calls GetMemoryMap and ExitBootServices itself through the system table (UEFI 2.10
 * 4.3, 7.4: MS ABI calls), as such a kernel must, and exits QEMU. */
#include "probe.h"

#define EXIT_PASS 0x10
#define EXIT_FAIL 0x11
#define ST_BOOT_SERVICES 96          /* EFI_SYSTEM_TABLE.BootServices */
#define BS_GET_MEMORY_MAP 56         /* EFI_BOOT_SERVICES.GetMemoryMap */
#define BS_EXIT_BOOT_SERVICES 232    /* EFI_BOOT_SERVICES.ExitBootServices */

typedef uint64_t (__attribute__((ms_abi)) *get_memory_map_fn)(uint64_t *size, void *map, uint64_t *key,
                                                                uint64_t *desc_size, uint32_t *version);
typedef uint64_t (__attribute__((ms_abi)) *exit_boot_services_fn)(uint64_t image, uint64_t key);

static uint8_t efi_map[64 * 1024] __attribute__((aligned(16)));

static inline uint32_t u32(uint64_t at) { return *(const volatile uint32_t *)(uintptr_t)at; }
static inline uint64_t u64(uint64_t at) { return *(const volatile uint64_t *)(uintptr_t)at; }

static void exit_qemu(unsigned passed_ok)
{
    outb(0xf4, passed_ok ? EXIT_PASS : EXIT_FAIL); /* isa-debug-exit */
}

void efi64_main(uint32_t magic, uint32_t info)
{
    uint64_t st = 0, image = 0, cr0, cr4;
    bool bs_on = false;
    const char *cmdline = "";

    print("mbprobe: Multiboot 2 EFI amd64 kernel, info at 0x%x\n", info);
    check(magic == 0x36D76289u, "EAX magic", "0x%x", magic);
    __asm__ volatile("mov %%cr0, %0; mov %%cr4, %1" : "=r"(cr0), "=r"(cr4));
    check((cr0 & 0x80000001u) == 0x80000001u && (cr4 & 0x20), "64-bit mode: paging, PAE", "CR0 0x%x CR4 0x%x",
          (unsigned)cr0, (unsigned)cr4);
    for (uint64_t at = info + 8; at + 8 <= info + u32(info); at += (u32(at + 4) + 7) & ~7u) {
        uint32_t type = u32(at);
        if (type == 0)
            break;
        if (type == 1)
            cmdline = (const char *)(uintptr_t)(at + 8);
        if (type == 12)
            st = u64(at + 8);
        if (type == 18)
            bs_on = true;
        if (type == 20)
            image = u64(at + 8);
        check(type != 6 && type != 17, "no memory map while boot services run", "tag %u", type);
    }
    check(starts(cmdline, "mbprobe"), "command line", "\"%s\"", cmdline);
    check(bs_on && image != 0, "boot services not terminated, image handle", "tag 18 %u, handle 0x%x", bs_on,
          (unsigned)image);
    check(st != 0 && starts((const char *)(uintptr_t)st, "IBI SYST"), "EFI 64-bit system table", "at 0x%x", (unsigned)st);
    if (st == 0 || image == 0)
        return exit_qemu(report_done() && false);
    uint64_t bs = u64(st + ST_BOOT_SERVICES), status = 1, key = 0, desc_size = 0;
    uint32_t version = 0;
    get_memory_map_fn get_map = (get_memory_map_fn)(uintptr_t)u64(bs + BS_GET_MEMORY_MAP);
    exit_boot_services_fn exit_bs = (exit_boot_services_fn)(uintptr_t)u64(bs + BS_EXIT_BOOT_SERVICES);
    for (unsigned attempt = 0; attempt < 3 && status != 0; attempt++) {
        uint64_t size = sizeof efi_map;
        if (get_map(&size, efi_map, &key, &desc_size, &version) != 0)
            break;
        status = exit_bs(image, key);
    }
    check(status == 0, "the kernel's own ExitBootServices", "status 0x%x", (unsigned)status);
    exit_qemu(report_done());
}
