/* Firmware facts every protocol hands over (framebuffer, ACPI, SMBIOS, TSC, direct-map size), the
 * kernel stack, and the buffers for the final memory map. Protocol-free: src/proto/ turns these into
 * a protocol's handoff structures. */
#include "uefi/boot.h"
#include "core/fbgeom.h"
#include "uefi/log.h"
#include "core/acpi.h"
#include "core/decide.h"
#include "core/fmt.h"
#include "core/memmap.h"
#include "core/acpi_pmtimer.h"

/* Extra descriptors the map may gain between now and ExitBootServices (stack, modules, tables,
 * firmware-internal allocations). The final map must fit without allocating again. */
#define MAP_SLACK_DESCRIPTORS 64

static void *find_config_table(EFI_GUID *guid)
{
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++)
        if (efi_guid_equal(&ST->ConfigurationTable[i].VendorGuid, guid))
            return ST->ConfigurationTable[i].VendorTable;
    return NULL;
}

static void gather_firmware_tables(struct firmware_facts *f)
{
    void *rsdp = find_config_table(&efi_acpi20_guid);

    f->acpi_revision = rsdp != NULL ? 2 : 0;
    if (rsdp == NULL)
        rsdp = find_config_table(&efi_acpi10_guid);
    f->acpi_rsdp = (uint64_t)(uintptr_t)rsdp;
    f->smbios3_entry = (uint64_t)(uintptr_t)find_config_table(&efi_smbios3_guid);
    f->smbios2_entry = (uint64_t)(uintptr_t)find_config_table(&efi_smbios_guid);
    f->efi_system_table = (uint64_t)(uintptr_t)ST;
    if (rsdp == NULL)
        log_warn("no ACPI RSDP in the configuration table");
}

/* Seconds since 1970-01-01 00:00 UTC from the firmware clock, 0 when it cannot be read. */
static uint64_t boot_time_unix(void)
{
    EFI_TIME t;
    static const uint16_t days_before_month[] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };

    if (EFI_ERROR(uefi_call_wrapper(ST->RuntimeServices->GetTime, 2, &t, NULL)) || t.Year < 1970 ||
        t.Month < 1 || t.Month > 12)
        return 0;
    uint64_t years = t.Year - 1970, leaps = (t.Year - 1969) / 4 - (t.Year - 1901) / 100 + (t.Year - 1601) / 400;
    bool leap_now = (t.Year % 4 == 0 && t.Year % 100 != 0) || t.Year % 400 == 0;
    uint64_t days = years * 365 + leaps + days_before_month[t.Month - 1] + (leap_now && t.Month > 2) + t.Day - 1;
    int64_t secs = (int64_t)(days * 86400 + t.Hour * 3600u + t.Minute * 60u + t.Second);
    if (t.TimeZone != EFI_UNSPECIFIED_TIMEZONE) /* local = UTC - TimeZone minutes */
        secs += (int64_t)t.TimeZone * 60;
    return secs > 0 ? (uint64_t)secs : 0;
}

/* The GOP fields fbgeom needs, as plain numbers. */
static struct gop_mode gop_mode_of(const EFI_GRAPHICS_OUTPUT_PROTOCOL_MODE *gm)
{
    const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gm->Info;

    return (struct gop_mode){
        .pixel_format = (uint32_t)info->PixelFormat,
        .red_mask = info->PixelInformation.RedMask,
        .green_mask = info->PixelInformation.GreenMask,
        .blue_mask = info->PixelInformation.BlueMask,
        .reserved_mask = info->PixelInformation.ReservedMask,
        .horizontal_resolution = info->HorizontalResolution,
        .vertical_resolution = info->VerticalResolution,
        .pixels_per_scan_line = info->PixelsPerScanLine,
        .frame_buffer_base = gm->FrameBufferBase,
        .frame_buffer_size = gm->FrameBufferSize,
    };
}

bool boot_set_gop_mode(uint32_t width, uint32_t height, uint32_t bpp, const char *why)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;

    if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &efi_gop_guid, NULL, (void **)&gop)) || gop == NULL ||
        gop->Mode == NULL)
        return false;
    for (UINT32 i = 0; bpp == 32 && i < gop->Mode->MaxMode; i++) {
        EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = NULL;
        UINTN size = 0;
        if (EFI_ERROR(uefi_call_wrapper(gop->QueryMode, 4, gop, i, &size, &info)) || info == NULL)
            continue;
        bool fits = info->HorizontalResolution == width && info->VerticalResolution == height &&
                    (info->PixelFormat == PixelRedGreenBlueReserved8BitPerColor ||
                     info->PixelFormat == PixelBlueGreenRedReserved8BitPerColor);
        mem_free_pool(info);
        if (fits && !EFI_ERROR(uefi_call_wrapper(gop->SetMode, 2, gop, i))) {
            log_info("%s: GOP mode %u, %ux%u", why, (unsigned)i, (unsigned)width, (unsigned)height);
            return true;
        }
    }
    log_info("%s: no GOP mode of %ux%ux%u: the framebuffer stays as it is", why, (unsigned)width, (unsigned)height,
             (unsigned)bpp);
    return false;
}

/* Describes the GOP's current mode in *fb, or leaves it zero ("no framebuffer") and logs why when
 * there is no GOP or fbgeom cannot describe the mode. */
static void gather_framebuffer(struct ember_framebuffer *fb)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    EFI_STATUS status = uefi_call_wrapper(BS->LocateProtocol, 3, &efi_gop_guid, NULL, (void **)&gop);
    struct gop_mode mode;
    const char *why = NULL;

    if (EFI_ERROR(status)) {
        log_info("no linear framebuffer (GOP: %s)", efi_status_name(status));
        return;
    }
    if (gop == NULL || gop->Mode == NULL || gop->Mode->Info == NULL) {
        log_info("no linear framebuffer: GOP has no current mode");
        return;
    }
    mode = gop_mode_of(gop->Mode);
    if (!fbgeom_from_gop(&mode, fb, &why)) {
        log_info("no linear framebuffer: %s (GOP mode %ux%u, %u pixels per scanline, pixel format %u)", why,
                 mode.horizontal_resolution, mode.vertical_resolution, mode.pixels_per_scan_line,
                 mode.pixel_format);
        return;
    }
    log_info("framebuffer %ux%u pitch %u bpp %u at 0x%llx", fb->width, fb->height, fb->pitch, fb->bpp,
             (unsigned long long)fb->base);
}

/* Allocates the normalised-map array + raw-map buffer as one block (type reclaimable), sized from
 * the current map plus slack. Also learns the highest physical address. */
static EFI_STATUS allocate_map_buffers(struct boot *b, uint64_t *highest)
{
    UINTN size = 0, key, desc_size = 0;
    UINT32 version;
    EFI_PHYSICAL_ADDRESS block;
    EFI_STATUS status = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, NULL, &key, &desc_size, &version);

    if (status != EFI_BUFFER_TOO_SMALL || desc_size == 0) {
        log_error("GetMemoryMap (size query) failed: %s", efi_status_name(status));
        return EFI_ERROR(status) ? status : EFI_LOAD_ERROR;
    }
    b->memory.efi_map_capacity = size + MAP_SLACK_DESCRIPTORS * desc_size;
    b->memory.memmap_capacity = MEMMAP_OUT_SLOTS(b->memory.efi_map_capacity / desc_size);
    UINTN total = b->memory.memmap_capacity * sizeof(struct ember_memmap_entry) + b->memory.efi_map_capacity;
    UINTN pages = (total + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K;
    status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE, pages, &block);
    if (EFI_ERROR(status))
        return status;
    b->memory.memmap = (struct ember_memmap_entry *)(uintptr_t)block;
    b->memory.efi_map = (uint8_t *)b->memory.memmap + b->memory.memmap_capacity * sizeof(struct ember_memmap_entry);

    /* the current map, only to size the direct map: physical memory does not grow */
    UINTN now = b->memory.efi_map_capacity;
    status = uefi_call_wrapper(BS->GetMemoryMap, 5, &now, b->memory.efi_map, &key, &desc_size, &version);
    if (EFI_ERROR(status)) {
        log_error("GetMemoryMap failed: %s", efi_status_name(status));
        return status;
    }
    *highest = memmap_highest_address(b->memory.efi_map, now, desc_size);
    return EFI_SUCCESS;
}

#define CALIBRATION_US 2000 /* 2 ms: every boot pays it when CPUID has no TSC leaf */

#define CALIBRATIONS 5 /* odd: the median of these, so that a host descheduling QEMU mid-run skews none */

/* One measurement: TSC ticks per second over CALIBRATION_US of the PM timer; 0 if it does not move. */
static uint64_t pm_timer_once(const struct acpi_pm_timer *pm)
{
    const uint32_t want = (uint32_t)(ACPI_PM_TIMER_HZ * CALIBRATION_US / 1000000);
    uint32_t start = arch_port_read32(pm->port), ticks = 0;
    uint64_t tsc0 = arch_timestamp(), tsc1, spins = 0;

    while (ticks < want && ++spins < (1u << 28))
        ticks = acpi_pm_timer_ticks(start, arch_port_read32(pm->port), pm->bits32);
    tsc1 = arch_timestamp();
    return ticks >= want ? (tsc1 - tsc0) * ACPI_PM_TIMER_HZ / ticks : 0;
}

/* TSC ticks per second against the ACPI PM timer, both read at the same two moments, so a slow or
 * late clock elsewhere (a Stall that overshoots on a loaded host) cannot skew it; the median of
 * CALIBRATIONS runs, so that a run the host stretches (TCG under load) does not either. 0 without a
 * PM timer, or when the timer does not move. */
static uint64_t tsc_hz_from_pm_timer(const struct boot *b)
{
    struct acpi_access io = { boot_acpi_identity, (void *)b };
    struct acpi_pm_timer pm;
    uint64_t fadt, runs[CALIBRATIONS];
    uint32_t length;

    if (b->facts.acpi_rsdp == 0 || acpi_find_table(&io, b->facts.acpi_rsdp, "FACP", &fadt, &length, NULL) != ACPI_OK ||
        !acpi_fadt_pm_timer(&io, fadt, length, &pm))
        return 0;
    for (unsigned i = 0; i < CALIBRATIONS; i++) {
        uint64_t v = pm_timer_once(&pm);
        unsigned k = i;
        for (; k > 0 && runs[k - 1] > v; k--)
            runs[k] = runs[k - 1];
        runs[k] = v;
    }
    return runs[CALIBRATIONS / 2];
}

/* TSC ticks per second: CPUID when it says, else against the ACPI PM timer, else against the
 * firmware's Stall. */
static uint64_t calibrate_tsc(const struct boot *b, const char **how)
{
    uint64_t hz = arch_tsc_hz_from_cpuid(), start;

    *how = "CPUID";
    if (hz != 0)
        return hz;
    *how = "ACPI PM timer";
    if ((hz = tsc_hz_from_pm_timer(b)) != 0)
        return hz;
    *how = "firmware Stall";
    start = arch_timestamp();
    uefi_call_wrapper(BS->Stall, 1, CALIBRATION_US);
    return (arch_timestamp() - start) * (1000000 / CALIBRATION_US);
}

uint64_t boot_tsc_per_us(const struct boot *b)
{
    return b->facts.tsc_hz / 1000000;
}

struct kernel_extent boot_kernel_extent(const struct boot *b, bool lower_half)
{
    uint64_t vlo = UINT64_MAX, vhi = 0, plo = UINT64_MAX, phi = 0;

    for (unsigned i = 0; i < b->kernel.plan.region_count; i++) {
        const struct elf_region *r = &b->kernel.plan.regions[i];
        uint64_t phys = b->kernel.regions[i].phys.addr;
        if (decide_in_lower_half(r) != lower_half)
            continue;
        vlo = r->vaddr < vlo ? r->vaddr : vlo;
        vhi = r->vaddr + r->size > vhi ? r->vaddr + r->size : vhi;
        plo = phys < plo ? phys : plo;
        phi = phys + r->size > phi ? phys + r->size : phi;
    }
    if (vhi == 0)
        return (struct kernel_extent){ 0 };
    return (struct kernel_extent){ vlo, vhi - vlo, plo, phi - plo };
}

const void *boot_acpi_identity(void *ctx, uint64_t addr, uint64_t len)
{
    const struct boot *b = ctx;
    uint64_t end;

    if (__builtin_add_overflow(addr, len, &end) || end > b->hhdm_size)
        return NULL;
    return (const void *)(uintptr_t)addr;
}

/* The MADT, read once for every user (the APs' plan, the I/O APICs a Limine kernel gets masked).
 * A missing or malformed one is a fact, not an error: madt_why keeps the reason for their logs. */
static EFI_STATUS gather_madt(struct boot *b)
{
    struct acpi_access io = { boot_acpi_identity, b };
    struct acpi_diag diag = { .message = "no RSDP" };
    struct madt_info *madt = NULL;
    uint64_t table;
    uint32_t length;

    if (b->facts.acpi_rsdp != 0 &&
        acpi_find_table(&io, b->facts.acpi_rsdp, "APIC", &table, &length, &diag) == ACPI_OK) {
        EFI_STATUS status = mem_alloc_pool(sizeof *madt, (void **)&madt);
        if (EFI_ERROR(status))
            return status;
        if (acpi_parse_madt(&io, table, length, madt, &diag) == ACPI_OK) {
            b->facts.madt = madt;
            return EFI_SUCCESS;
        }
        mem_free_pool(madt);
    }
    fmt_format(b->facts.madt_why, sizeof b->facts.madt_why, "%s", diag.message);
    return EFI_SUCCESS;
}

EFI_STATUS stage_gather_facts(struct boot *b)
{
    uint64_t highest = 0;
    EFI_STATUS status = allocate_map_buffers(b, &highest);

    if (EFI_ERROR(status))
        return status;
    status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE, (UINTN)(b->stack_size / PAGE_SIZE_4K),
                             &b->stack);
    if (EFI_ERROR(status)) {
        log_error("no room for the kernel's %llu KiB stack (%s): ask for a smaller one",
                  (unsigned long long)(b->stack_size / KIB), efi_status_name(status));
        return status;
    }
    if (b->config.fb_width != 0)
        boot_set_gop_mode(b->config.fb_width, b->config.fb_height, b->config.fb_bpp, "limine.conf resolution");
    gather_framebuffer(&b->facts.framebuffer);
    /* The direct map covers every range of the memory map the kernel gets, and that map lists the
     * framebuffer, which the firmware's map need not (OVMF's Secure Boot build ends its map at
     * 0xc0000000 with the framebuffer right above). fbgeom made sure base + size does not wrap. */
    if (b->facts.framebuffer.base != 0 && b->facts.framebuffer.base + b->facts.framebuffer.size > highest)
        highest = b->facts.framebuffer.base + b->facts.framebuffer.size;
    gather_firmware_tables(&b->facts);
    b->facts.boot_time = boot_time_unix();
    b->hhdm_page_size = b->cpu.pages_1g ? PAGE_SIZE_1G : PAGE_SIZE_2M;
    if (highest > EMBER_HHDM_MAX_SIZE) {
        log_warn("physical memory reaches 0x%llx: the direct map covers only the first 0x%llx bytes",
                 (unsigned long long)highest, EMBER_HHDM_MAX_SIZE);
        highest = EMBER_HHDM_MAX_SIZE;
    }
    align_up_checked(highest, b->hhdm_page_size, &b->hhdm_size);
    b->hhdm_offset = decide_hhdm_offset(&b->config, b->config.randomise_hhdm ? efi_random64("randomise_hhdm_base") : 0,
                                        b->hhdm_size);
    if (b->config.randomise_hhdm)
        log_info("randomise_hhdm_base: the direct map at 0x%llx (a random 1 GiB step above 0x%llx)",
                 (unsigned long long)b->hhdm_offset, EMBER_HHDM_OFFSET);
    status = gather_madt(b); /* ACPI tables through the identity map, inside [0, hhdm_size) */
    if (EFI_ERROR(status))
        return status;
    const char *how;
    b->facts.tsc_hz = calibrate_tsc(b, &how);
    log_info("stack 0x%llx (%llu KiB), RSDP 0x%llx (ACPI %s), TSC %llu MHz (%s)", (unsigned long long)b->stack,
             (unsigned long long)(b->stack_size / KIB), (unsigned long long)b->facts.acpi_rsdp,
             b->facts.acpi_revision == 2 ? "2.0+" : "1.0", (unsigned long long)(b->facts.tsc_hz / 1000000), how);
    return EFI_SUCCESS;
}
