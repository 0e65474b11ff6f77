/* Probe checks: RSDP, SMBIOS, EFI system table (HHDM pointers, but physical: the RSDP in base
 * revision 3, SMBIOS and the EFI system table in 3 and 4), date at boot (against the CMOS clock), bootloader info, firmware type, paging mode. */
#include "cpu.h"
#include "probe.h"

#define RSDP_V1_LENGTH 20
#define RSDP_LENGTH_OFFSET 20
#define RSDP_REVISION_OFFSET 15
#define ACPI_2_0 2
#define SMBIOS2_LENGTH_OFFSET 5
#define SMBIOS3_LENGTH_OFFSET 6
#define SMBIOS2_DMI_OFFSET 0x10
#define SMBIOS2_DMI_LENGTH 15
#define EFI_SYSTEM_TABLE_SIGNATURE 0x5453595320494249ULL /* "IBI SYST" */
#define EFI_REVISION_MAJOR_SHIFT 16
#define EFI_HEADER_MIN 24
#define MAX_PHYS_ADDRESS (1ULL << 52)
#define NAME_MAX 64
#define DATE_2020 1577836800LL /* 2020-01-01T00:00:00Z */
#define DATE_2100 4102444800LL
#define RTC_TOLERANCE 600 /* seconds between the loader reading the clock and the probe */
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80
#define CMOS_STATUS_A 0x0A
#define CMOS_STATUS_B 0x0B
#define CMOS_UPDATING 0x80
#define CMOS_BINARY 0x04
#define CMOS_24H 0x02
#define CMOS_PM 0x80
#define CMOS_CENTURY 0x32
#define SECONDS_PER_DAY 86400LL
#define SECONDS_PER_HOUR 3600
#define SECONDS_PER_MINUTE 60
#define HOURS_PER_HALF_DAY 12
#define CMOS_SECONDS 0x00
#define CMOS_MINUTES 0x02
#define CMOS_HOURS 0x04
#define CMOS_DAY 0x07
#define CMOS_MONTH 0x08
#define CMOS_YEAR 0x09
#define EFI_HEADER_REVISION_OFFSET 8
#define EFI_HEADER_SIZE_OFFSET 12

/* True when this revision returns the pointer physical: "RSDP address is returned as physical (base
 * revision 3 only)", SMBIOS and EFI system table (physical_in_rev4) "base revisions 3 and 4 only". */
bool firmware_table_physical(bool physical_in_rev4)
{
    return boot.revision == 3 || (physical_in_rev4 && boot.revision == 4);
}

/* Where a firmware-table pointer points, and whether its form fits the revision: base revision 3
 * returns the RSDP, SMBIOS entry points and EFI system table as physical addresses (SMBIOS and the
 * EFI system table also in 4); other revisions return HHDM pointers. */
bool firmware_table_phys(uint64_t address, bool physical_in_rev4, uint64_t *phys)
{
    if (firmware_table_physical(physical_in_rev4)) {
        *phys = address;
        return address < MAX_PHYS_ADDRESS;
    }
    *phys = address - boot.hhdm;
    return address >= boot.hhdm;
}

/* Sum of len bytes (ACPI and SMBIOS checksums make it 0). */
static uint8_t byte_sum(const volatile uint8_t *p, uint64_t len)
{
    uint8_t s = 0;
    for (uint64_t i = 0; i < len; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* True when the n bytes at p spell s. */
static bool bytes_are(const volatile uint8_t *p, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i] != (uint8_t)s[i])
            return false;
    return true;
}

/* RSDP: pointer form for the revision, signature, ACPI 1.0 checksum and, from ACPI 2.0 on, the
 * extended checksum over its length. */
void check_rsdp(const struct lp_rsdp_response *r)
{
    uint64_t phys;
    enum phys_via via;

    if (!check_response(r, "RSDP", LP_RESPONSE_REVISION_MAX))
        return;
    bool form = r->address != 0 && firmware_table_phys(r->address, false, &phys);
    check(form, EXIT_FAIL_FIRMWARE,
          firmware_table_physical(false) ? "RSDP pointer physical (base revision 3)" : "RSDP pointer in the HHDM",
          "0x%llx", (unsigned long long)r->address);
    const volatile uint8_t *p = form ? phys_access(phys, RSDP_V1_LENGTH, &via) : NULL;
    bool ok = p != NULL && bytes_are(p, "RSD PTR ", 8) && byte_sum(p, RSDP_V1_LENGTH) == 0;
    uint8_t acpi_revision = ok ? p[RSDP_REVISION_OFFSET] : 0;
    if (ok && acpi_revision >= ACPI_2_0) {
        uint32_t len = *(const volatile uint32_t *)(p + RSDP_LENGTH_OFFSET);
        p = phys_access(phys, len, &via);
        ok = p != NULL && byte_sum(p, len) == 0;
    }
    check(ok, EXIT_FAIL_FIRMWARE, "RSDP signature and checksums", "phys 0x%llx %s, ACPI revision %u",
          form ? (unsigned long long)phys : 0ULL, form ? via_name(via) : "-", acpi_revision);
}

/* One SMBIOS entry point: the 2.x "_SM_" (with its "_DMI_" part) or the 3.x "_SM3_" anchor and
 * checksum. Returns a short description of what failed, or NULL. */
static const char *smbios_entry_problem(uint64_t address, bool v3)
{
    uint64_t phys;
    enum phys_via via;

    if (!firmware_table_phys(address, true, &phys))
        return firmware_table_physical(true) ? "not a physical address" : "not an HHDM pointer";
    const volatile uint8_t *p = phys_access(phys, SMBIOS2_DMI_OFFSET + SMBIOS2_DMI_LENGTH, &via);
    if (p == NULL)
        return "not reachable";
    if (!bytes_are(p, v3 ? "_SM3_" : "_SM_", v3 ? 5 : 4))
        return "no anchor";
    if (byte_sum(p, p[v3 ? SMBIOS3_LENGTH_OFFSET : SMBIOS2_LENGTH_OFFSET]) != 0)
        return "bad checksum";
    if (!v3 && (!bytes_are(p + SMBIOS2_DMI_OFFSET, "_DMI_", 5) || byte_sum(p + SMBIOS2_DMI_OFFSET, SMBIOS2_DMI_LENGTH)))
        return "bad _DMI_ part";
    return NULL;
}

/* SMBIOS: at least one entry point, each with the right pointer form, anchor and checksum. */
void check_smbios(const struct lp_smbios_response *r)
{
    if (!check_response(r, "SMBIOS", LP_RESPONSE_REVISION_MAX))
        return;
    const char *p32 = r->entry_32 ? smbios_entry_problem(r->entry_32, false) : NULL;
    const char *p64 = r->entry_64 ? smbios_entry_problem(r->entry_64, true) : NULL;
    check((r->entry_32 || r->entry_64) && !p32 && !p64, EXIT_FAIL_FIRMWARE, "SMBIOS entry points",
          "32-bit 0x%llx %s, 64-bit 0x%llx %s", (unsigned long long)r->entry_32, r->entry_32 ? (p32 ? p32 : "ok") : "absent",
          (unsigned long long)r->entry_64, r->entry_64 ? (p64 ? p64 : "ok") : "absent");
}

/* EFI system table: pointer form, signature, a UEFI 2.x revision. */
void check_efi_system_table(const struct lp_efi_system_table_response *r)
{
    uint64_t phys = 0;
    enum phys_via via = VIA_NONE;

    if (!check_response(r, "EFI system table", LP_RESPONSE_REVISION_MAX))
        return;
    bool form = r->address != 0 && firmware_table_phys(r->address, true, &phys);
    const volatile uint8_t *p = form ? phys_access(phys, EFI_HEADER_MIN, &via) : NULL;
    uint64_t sig = p ? *(const volatile uint64_t *)p : 0;
    uint32_t rev = p ? *(const volatile uint32_t *)(p + EFI_HEADER_REVISION_OFFSET) : 0;
    uint32_t hsize = p ? *(const volatile uint32_t *)(p + EFI_HEADER_SIZE_OFFSET) : 0;
    check(form && sig == EFI_SYSTEM_TABLE_SIGNATURE && (rev >> EFI_REVISION_MAJOR_SHIFT) >= 2 && hsize >= EFI_HEADER_MIN,
          EXIT_FAIL_FIRMWARE,
          firmware_table_physical(true) ? "EFI system table (physical pointer)" : "EFI system table (HHDM pointer)",
          "0x%llx %s: signature 0x%llx, revision 0x%x", (unsigned long long)r->address, via_name(via),
          (unsigned long long)sig, rev);
}

/* Reads a CMOS register with NMIs left disabled while the index is set. */
static uint8_t cmos(uint8_t reg)
{
    cpu_outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
    return cpu_inb(CMOS_DATA);
}

/* A CMOS time field as a number (BCD unless status B says binary). */
static int64_t cmos_field(uint8_t v, bool binary)
{
    return binary ? v : (v >> 4) * 10 + (v & 0xF);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The CMOS clock now, as UNIX seconds (UTC, as QEMU's default RTC holds). */
static int64_t cmos_now(void)
{
    while (cmos(CMOS_STATUS_A) & CMOS_UPDATING)
        ;
    uint8_t b = cmos(CMOS_STATUS_B), hour = cmos(CMOS_HOURS);
    bool binary = b & CMOS_BINARY;
    int64_t h = cmos_field(hour & (uint8_t)~CMOS_PM, binary);
    if (!(b & CMOS_24H) && (hour & CMOS_PM))
        h = (h % HOURS_PER_HALF_DAY) + HOURS_PER_HALF_DAY;
    else if (!(b & CMOS_24H) && h == HOURS_PER_HALF_DAY)
        h = 0;
    int64_t year = cmos_field(cmos(CMOS_CENTURY), binary) * 100 + cmos_field(cmos(CMOS_YEAR), binary);
    int64_t days = days_from_civil(year, cmos_field(cmos(CMOS_MONTH), binary), cmos_field(cmos(CMOS_DAY), binary));
    return days * SECONDS_PER_DAY + h * SECONDS_PER_HOUR + cmos_field(cmos(CMOS_MINUTES), binary) * SECONDS_PER_MINUTE +
           cmos_field(cmos(CMOS_SECONDS), binary);
}

/* Date at Boot: plausible (2020..2100) and within RTC_TOLERANCE of the CMOS clock now. */
void check_date(const struct lp_date_at_boot_response *r)
{
    if (!check_response(r, "date at boot", LP_RESPONSE_REVISION_MAX))
        return;
    int64_t now = cmos_now(), t = r->timestamp, diff = now - t;
    check(t >= DATE_2020 && t < DATE_2100 && diff >= -RTC_TOLERANCE && diff <= RTC_TOLERANCE, EXIT_FAIL_FIRMWARE,
          "date at boot", "timestamp %lld, CMOS now %lld", (long long)t, (long long)now);
}

/* Bootloader Info: printable name and version in reclaimable memory. */
void check_bootloader_info(const struct lp_bootloader_info_response *r)
{
    if (!check_response(r, "bootloader info", LP_RESPONSE_REVISION_MAX))
        return;
    bool ok = r->name && r->version && ascii_string(r->name, NAME_MAX) && ascii_string(r->version, NAME_MAX) &&
              r->name[0] && r->version[0] && in_reclaimable(r->name, str_len(r->name) + 1) &&
              in_reclaimable(r->version, str_len(r->version) + 1);
    check(ok, EXIT_FAIL_RESPONSE, "bootloader name and version", "\"%s\" \"%s\"", ok ? r->name : "?",
          ok ? r->version : "?");
}

/* Firmware Type: 64-bit UEFI (the only way ember boots). */
void check_firmware_type(const struct lp_firmware_type_response *r)
{
    if (check_response(r, "firmware type", LP_RESPONSE_REVISION_MAX))
        check(r->firmware_type == LP_FIRMWARE_EFI64, EXIT_FAIL_RESPONSE, "firmware type EFI64", "%llu",
              (unsigned long long)r->firmware_type);
}

/* Paging Mode: the 4-level mode the probe asked for (mode = max = min = 4LVL). */
void check_paging_mode(const struct lp_paging_mode_response *r)
{
    if (check_response(r, "paging mode", LP_RESPONSE_REVISION_MAX))
        check(r->mode == LP_PAGING_MODE_X86_64_4LVL, EXIT_FAIL_PAGING, "paging mode 4-level", "mode %llu",
              (unsigned long long)r->mode);
}
