/* Pure: a Multiboot kernel's physical segments (mbload.h). */
#include "core/mbload.h"
#include "core/bytes.h"
#include "core/fmt.h"

#define U32_LIMIT (1ULL << 32)
#define ELF_CLASS_AT 4
#define ELF_DATA_AT 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1

/* Where the fields are in each class's ELF and program headers. */
struct elf_layout {
    unsigned ehdr_size, phent_size, word;   /* word: 4 or 8 bytes for addresses and offsets */
    unsigned type_at, machine_at, entry_at, phoff_at, phentsize_at, phnum_at;
    unsigned p_offset_at, p_vaddr_at, p_paddr_at, p_filesz_at, p_memsz_at;
};

static const struct elf_layout elf32 = { 52, 32, 4, 16, 18, 24, 28, 42, 44, 4, 8, 12, 16, 20 };
static const struct elf_layout elf64 = { 64, 56, 8, 16, 18, 24, 32, 54, 56, 8, 16, 24, 32, 40 };

static bool fail(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(char *why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fmt_vdiag(why, MB_PLAN_MESSAGE_MAX, "", fmt, ap);
    va_end(ap);
    return false;
}

/* Adds a segment, keeping seg[] sorted by paddr and refusing overlaps. */
static bool add_segment(struct mb_plan *p, struct mb_segment s, char *why)
{
    unsigned at = p->count;

    if (s.memsz == 0)
        return true;
    if (p->count == MB_MAX_SEGMENTS)
        return fail(why, "more than %u loadable segments", MB_MAX_SEGMENTS);
    if ((uint64_t)s.paddr + s.memsz > U32_LIMIT)
        return fail(why, "a segment at physical 0x%x (%u bytes) ends past 4 GiB, which a 32-bit kernel cannot "
                    "reach", (unsigned)s.paddr, (unsigned)s.memsz);
    for (; at > 0 && p->seg[at - 1].paddr > s.paddr; at--)
        p->seg[at] = p->seg[at - 1];
    p->seg[at] = s;
    p->count++;
    if ((at > 0 && (uint64_t)p->seg[at - 1].paddr + p->seg[at - 1].memsz > s.paddr) ||
        (at + 1 < p->count && (uint64_t)s.paddr + s.memsz > p->seg[at + 1].paddr))
        return fail(why, "segments overlap at physical 0x%x: each byte must have one source", (unsigned)s.paddr);
    return true;
}

/* The program headers of an ELF32 or ELF64 file into p; *entry the ELF entry, made physical. */
static bool elf_segments(const uint8_t *head, size_t head_len, uint64_t file_size, struct mb_plan *p,
                         uint32_t *entry, char *why)
{
    const struct elf_layout *L = head_len > ELF_CLASS_AT && head[ELF_CLASS_AT] == ELFCLASS64 ? &elf64 : &elf32;
    uint64_t phoff, phnum, e_entry, machine = L == &elf64 ? EM_X86_64 : EM_386;

    if (head_len < L->ehdr_size || le_load(head, 4) != 0x464c457fu || head[ELF_DATA_AT] != ELFDATA2LSB ||
        (head[ELF_CLASS_AT] != ELFCLASS32 && head[ELF_CLASS_AT] != ELFCLASS64))
        return fail(why, "not a little-endian ELF32 or ELF64 file, and the header has no address fields to load it by");
    if (le_load(head + L->type_at, 2) != ET_EXEC || le_load(head + L->machine_at, 2) != machine)
        return fail(why, "ELF type %u machine %u: a Multiboot kernel is ET_EXEC (2) for i386 (3) or x86-64 (62)",
                    (unsigned)le_load(head + L->type_at, 2), (unsigned)le_load(head + L->machine_at, 2));
    phoff = le_load(head + L->phoff_at, L->word);
    phnum = le_load(head + L->phnum_at, 2);
    if (le_load(head + L->phentsize_at, 2) != L->phent_size || phoff > head_len ||
        phnum * L->phent_size > head_len - phoff)
        return fail(why, "the program headers (%u at 0x%llx) do not lie in the file's first %u bytes", (unsigned)phnum,
                    (unsigned long long)phoff, (unsigned)head_len);
    e_entry = le_load(head + L->entry_at, L->word);
    *entry = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = head + phoff + i * L->phent_size;
        uint64_t off = le_load(ph + L->p_offset_at, L->word), vaddr = le_load(ph + L->p_vaddr_at, L->word);
        uint64_t paddr = le_load(ph + L->p_paddr_at, L->word), filesz = le_load(ph + L->p_filesz_at, L->word);
        uint64_t memsz = le_load(ph + L->p_memsz_at, L->word);
        if (le_load(ph, 4) != PT_LOAD)
            continue;
        if (filesz > memsz || off > file_size || filesz > file_size - off)
            return fail(why, "program header %llu: %llu file bytes at 0x%llx (memory %llu) do not lie in the file",
                        (unsigned long long)i, (unsigned long long)filesz, (unsigned long long)off,
                        (unsigned long long)memsz);
        if (paddr >= U32_LIMIT || memsz >= U32_LIMIT)
            return fail(why, "program header %llu: physical 0x%llx (%llu bytes) is past 4 GiB", (unsigned long long)i,
                        (unsigned long long)paddr, (unsigned long long)memsz);
        if (!add_segment(p, (struct mb_segment){ (uint32_t)paddr, (uint32_t)off, (uint32_t)filesz, (uint32_t)memsz },
                         why))
            return false;
        if (e_entry >= vaddr && e_entry - vaddr < memsz)
            *entry = (uint32_t)(paddr + (e_entry - vaddr));
    }
    if (*entry == 0 && e_entry < U32_LIMIT)
        *entry = (uint32_t)e_entry;
    return true;
}

/* Merged 4 KiB page ranges of the sorted segments. */
static void page_ranges(struct mb_plan *p)
{
    p->range_count = 0;
    for (unsigned i = 0; i < p->count; i++) {
        uint64_t base = align_down(p->seg[i].paddr, PAGE_SIZE_4K);
        uint64_t end = ((uint64_t)p->seg[i].paddr + p->seg[i].memsz + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
        struct mb_pages *last = p->range_count > 0 ? &p->range[p->range_count - 1] : NULL;
        if (last != NULL && base <= (uint64_t)last->base + (uint64_t)last->pages * PAGE_SIZE_4K) {
            uint64_t last_end = (uint64_t)last->base + (uint64_t)last->pages * PAGE_SIZE_4K;
            last->pages = (uint32_t)(((end > last_end ? end : last_end) - last->base) / PAGE_SIZE_4K);
            continue;
        }
        p->range[p->range_count++] = (struct mb_pages){ (uint32_t)base, (uint32_t)((end - base) / PAGE_SIZE_4K) };
    }
}

bool mb_plan_load_segments(const uint8_t *head, size_t head_len, uint64_t file_size, const struct mb_load *load,
                           uint32_t load_entry, uint32_t entry_override, struct mb_plan *out,
                           char why[MB_PLAN_MESSAGE_MAX])
{
    uint32_t entry = load_entry;

    *out = (struct mb_plan){ 0 };
    why[0] = '\0';
    out->from_address_fields = load != NULL;
    out->elf64 = load == NULL && head_len > ELF_CLASS_AT && head[ELF_CLASS_AT] == ELFCLASS64;
    if (load != NULL) {
        struct mb_segment s = { load->load_addr, load->file_offset, load->size, load->bss_end - load->load_addr };
        if (!add_segment(out, s, why))
            return false;
    } else if (!elf_segments(head, head_len, file_size, out, &entry, why)) {
        return false;
    }
    if (out->count == 0)
        return fail(why, "nothing to load: no PT_LOAD segment with bytes");
    entry = entry_override != 0 ? entry_override : entry;
    for (unsigned i = 0; i < out->count; i++)
        if (entry >= out->seg[i].paddr && entry - out->seg[i].paddr < out->seg[i].memsz) {
            out->entry = entry;
            out->load_base = out->seg[0].paddr;
            page_ranges(out);
            return true;
        }
    return fail(why, "the entry point 0x%x is in no loaded segment", (unsigned)entry);
}

void mb_plan_move(struct mb_plan *p, uint32_t new_base)
{
    uint32_t delta = new_base - p->load_base; /* mod 2^32: a move down works as well */

    for (unsigned i = 0; i < p->count; i++)
        p->seg[i].paddr += delta;
    for (unsigned i = 0; i < p->range_count; i++)
        p->range[i].base += delta;
    p->entry += delta;
    p->load_base = new_base;
}

uint32_t mb_plan_span(const struct mb_plan *p)
{
    const struct mb_pages *last = &p->range[p->range_count - 1];

    return last->base + last->pages * (uint32_t)PAGE_SIZE_4K - p->range[0].base;
}

/* --- ELF section headers (MB2 tag 9, MB1 syms) ---------------------------------------------------- */
#define SHF_ALLOC 2
#define SHT_NOBITS 8
#define SHT_NULL 0

bool mb_sections_find(const uint8_t *head, size_t head_len, uint64_t file_size, struct mb_sections *out,
                      char why[MB_PLAN_MESSAGE_MAX])
{
    bool is64 = head_len > ELF_CLASS_AT && head[ELF_CLASS_AT] == ELFCLASS64;
    unsigned shoff_at = is64 ? 40 : 32, shentsize_at = is64 ? 58 : 46, shnum_at = is64 ? 60 : 48;
    unsigned shstrndx_at = is64 ? 62 : 50, entsize = is64 ? 64 : 40;

    *out = (struct mb_sections){ 0 };
    if (head_len < (is64 ? 64u : 52u))
        return fail(why, "no ELF header");
    out->table_offset = le_load(head + shoff_at, is64 ? 8 : 4);
    out->entsize = (uint32_t)le_load(head + shentsize_at, 2);
    out->num = (uint32_t)le_load(head + shnum_at, 2);
    out->shndx = (uint32_t)le_load(head + shstrndx_at, 2);
    if (out->num == 0 || out->table_offset == 0)
        return fail(why, "no section headers");
    if (out->entsize != entsize || out->num > MB_MAX_SECTIONS || out->table_offset > file_size ||
        (uint64_t)out->num * entsize > file_size - out->table_offset || out->shndx >= out->num)
        return fail(why, "section headers (%u of %u bytes at 0x%llx, names in %u) break the ELF rules",
                    (unsigned)out->num, (unsigned)out->entsize, (unsigned long long)out->table_offset,
                    (unsigned)out->shndx);
    return true;
}

bool mb_section_loaded(const uint8_t *table, const struct mb_sections *s, uint32_t i, uint64_t *offset, uint64_t *size)
{
    const uint8_t *sh = table + (uint64_t)i * s->entsize;
    bool is64 = s->entsize == 64;
    uint32_t type = (uint32_t)le_load(sh + 4, 4);
    uint64_t flags = le_load(sh + 8, is64 ? 8 : 4);

    *offset = le_load(sh + (is64 ? 24 : 16), is64 ? 8 : 4);
    *size = le_load(sh + (is64 ? 32 : 20), is64 ? 8 : 4);
    return type != SHT_NULL && type != SHT_NOBITS && !(flags & SHF_ALLOC) && *size > 0;
}

bool mb_sections_size(const uint8_t *table, const struct mb_sections *s, uint64_t file_size, uint32_t *bytes)
{
    uint64_t total = ((uint64_t)s->num * s->entsize + 7) & ~7ULL, offset, size;

    for (uint32_t i = 0; i < s->num; i++) {
        if (!mb_section_loaded(table, s, i, &offset, &size))
            continue;
        if (offset > file_size || size > file_size - offset)
            return false;
        total += (size + 7) & ~7ULL;
        if (total > MB_SECTIONS_MAX_BYTES)
            return false;
    }
    *bytes = (uint32_t)total;
    return true;
}

void mb_section_set_addr(uint8_t *table, const struct mb_sections *s, uint32_t i, uint64_t addr)
{
    uint8_t *sh = table + (uint64_t)i * s->entsize + (s->entsize == 64 ? 16 : 12);

    for (unsigned b = 0; b < (s->entsize == 64 ? 8u : 4u); b++)
        sh[b] = (uint8_t)(addr >> (8 * b));
}
