/* Probe check: the GDT the loader left loaded ("Machine State at Entry", x86-64): null, 16-bit
 * code/data (base 0, limit 0xffff), 32-bit code/data (base 0, limit 0xffffffff), 64-bit code/data,
 * in that order from offset 0, readable code and writable data, in bootloader-reclaimable memory. */
#include "cpu.h"
#include "probe.h"

#define GDT_REQUIRED 7
#define DESC_SIZE 8
#define LIMIT_16 0xffffULL
#define LIMIT_32 0xffffffffULL
#define PAGE_GRANULE_SHIFT 12
#define TYPE_ACCESSED 0x1u
#define TYPE_RW 0x2u      /* readable code / writable data */
#define TYPE_DC 0x4u      /* conforming code / expand-down data */
#define TYPE_CODE 0x8u
#define FLAG_L 0x2u
#define FLAG_DB 0x4u
#define FLAG_G 0x8u

enum desc_kind { DESC_NULL, DESC_CODE, DESC_DATA };

/* What descriptor i must be. bits 0 means 64-bit (base and limit not enforced). */
struct desc_want {
    enum desc_kind kind;
    unsigned bits;
    const char *name;
};

static const struct desc_want wanted[GDT_REQUIRED] = {
    { DESC_NULL, 0, "null" },      { DESC_CODE, 16, "16-bit code" }, { DESC_DATA, 16, "16-bit data" },
    { DESC_CODE, 32, "32-bit code" }, { DESC_DATA, 32, "32-bit data" }, { DESC_CODE, 64, "64-bit code" },
    { DESC_DATA, 64, "64-bit data" },
};

/* Decoded fields of one 8-byte segment descriptor (SDM Vol. 3A Figure 3-8). */
struct desc {
    uint64_t base, limit; /* limit in bytes, granularity applied */
    unsigned type, s, dpl, p, flags;
};

/* Decodes a raw descriptor. */
static struct desc decode(uint64_t d)
{
    struct desc r;
    uint64_t raw_limit = (d & 0xffff) | ((d >> 48) & 0xf) << 16;
    r.base = ((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24;
    r.type = (unsigned)(d >> 40) & 0xf;
    r.s = (unsigned)(d >> 44) & 1;
    r.dpl = (unsigned)(d >> 45) & 3;
    r.p = (unsigned)(d >> 47) & 1;
    r.flags = (unsigned)(d >> 52) & 0xf;
    r.limit = (r.flags & FLAG_G) ? (raw_limit << PAGE_GRANULE_SHIFT) | ((1ULL << PAGE_GRANULE_SHIFT) - 1) : raw_limit;
    return r;
}

/* True when the raw descriptor d is what w asks for. */
static bool descriptor_fits(uint64_t d, const struct desc_want *w)
{
    if (w->kind == DESC_NULL)
        return d == 0;
    struct desc r = decode(d);
    unsigned type = r.type & ~TYPE_ACCESSED;
    bool code = w->kind == DESC_CODE;
    if (!r.p || !r.s || r.dpl != 0 || type != ((code ? TYPE_CODE : 0) | TYPE_RW) || r.base != 0)
        return false;
    if (w->bits == 16)
        return r.limit == LIMIT_16 && !(r.flags & (FLAG_L | FLAG_DB));
    if (w->bits == 32)
        return r.limit == LIMIT_32 && !(r.flags & FLAG_L) && (r.flags & FLAG_DB);
    return !code || ((r.flags & FLAG_L) && !(r.flags & FLAG_DB));
}

/* Reads GDTR and checks its first seven descriptors and where the table lives. */
void check_gdt(void)
{
    struct descriptor_register gdtr = cpu_sgdt();
    bool first_mapped, last_mapped;

    virt_to_phys((const void *)gdtr.base, &first_mapped);
    virt_to_phys((const void *)(gdtr.base + gdtr.limit), &last_mapped);
    bool mapped = first_mapped && last_mapped;

    check(gdtr.limit + 1u >= GDT_REQUIRED * DESC_SIZE && mapped, EXIT_FAIL_CPU, "GDT loaded and mapped",
          "base 0x%llx limit 0x%x", (unsigned long long)gdtr.base, gdtr.limit);
    if (!mapped || gdtr.limit + 1u < GDT_REQUIRED * DESC_SIZE)
        return;
    check(in_reclaimable((const void *)gdtr.base, (uint64_t)gdtr.limit + 1), EXIT_FAIL_CPU,
          "GDT in bootloader-reclaimable memory", "base 0x%llx", (unsigned long long)gdtr.base);
    const volatile uint64_t *gdt = (const volatile uint64_t *)gdtr.base;
    for (unsigned i = 0; i < GDT_REQUIRED; i++) {
        uint64_t d = gdt[i];
        check(descriptor_fits(d, &wanted[i]), EXIT_FAIL_CPU, "GDT descriptor", "0x%02x %s: 0x%016llx", i * DESC_SIZE,
              wanted[i].name, (unsigned long long)d);
    }
}
