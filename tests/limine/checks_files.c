/* Probe checks: the Executable File, Executable Command Line and Module features. The test passes a
 * command line "lprobe: modules=N internal=HEX path=/kernel.elf ... :lprobe" and config modules whose
 * strings are "fnv1a=HEX size=N", so every byte can be checked against the host's values. */
#include "probe.h"

#define ELF_HEADER_SIZE 64
#define ELF_MACHINE_OFFSET 18
#define ELF_ENTRY_OFFSET 24
#define ELF_PHOFF_OFFSET 32
#define ELF_PHENTSIZE_OFFSET 54
#define ELF_PHNUM_OFFSET 56
#define ELF_CLASS64 2
#define ELF_DATA_LE 1
#define ELF_MACHINE_X86_64 62
#define PT_LOAD 1
#define PF_X 1u
#define STRING_MAX 4096
#define VALUE_MAX 32
#define PATH_MAX_WORD 64
#define MAX_MODULES 16
#define CMDLINE_BEGIN "lprobe: "
#define CMDLINE_END " :lprobe"
#define CMDLINE_TRICKY "q='a b' #hash  2sp" /* quotes, a hash after a blank, two blanks */
#define INTERNAL_PATH_SUFFIX "/probe-internal.bin"
#define INTERNAL_STRING "probe internal module"

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* Little-endian reads from a byte buffer. */
static uint64_t le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = bytes; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

/* The file offset of link-time address vaddr inside an executable PT_LOAD's file bytes, or
 * UINT64_MAX. *room is how many file bytes follow it in that segment. */
static uint64_t file_offset_of(const uint8_t *elf, uint64_t size, uint64_t vaddr, uint64_t *room)
{
    uint64_t phoff = le(elf + ELF_PHOFF_OFFSET, 8), phentsize = le(elf + ELF_PHENTSIZE_OFFSET, 2);
    uint64_t phnum = le(elf + ELF_PHNUM_OFFSET, 2);
    for (uint64_t i = 0; i < phnum && phoff + (i + 1) * phentsize <= size; i++) {
        const struct elf64_phdr *ph = (const struct elf64_phdr *)(elf + phoff + i * phentsize);
        if (ph->type != PT_LOAD || !(ph->flags & PF_X) || vaddr < ph->vaddr || vaddr >= ph->vaddr + ph->filesz)
            continue;
        uint64_t off = ph->offset + (vaddr - ph->vaddr);
        *room = ph->filesz - (vaddr - ph->vaddr);
        return off < size ? off : UINT64_MAX;
    }
    return UINT64_MAX;
}

/* The loaded .text equals the file's bytes at the matching offset. */
static void check_file_matches_text(const uint8_t *elf, uint64_t size, uint64_t slide)
{
    uint64_t text_len = (uint64_t)(__text_end - __text_start), room = 0, differ = 0;
    uint64_t off = file_offset_of(elf, size, (uint64_t)__text_start - slide, &room);

    if (off != UINT64_MAX && room >= text_len && off + text_len <= size)
        for (uint64_t i = 0; i < text_len; i++)
            differ += elf[off + i] != ((const volatile uint8_t *)__text_start)[i];
    check(off != UINT64_MAX && room >= text_len && differ == 0, EXIT_FAIL_FILES, "executable file holds the loaded .text",
          "file offset 0x%llx, %llu bytes, %llu differ", (unsigned long long)off, (unsigned long long)text_len,
          (unsigned long long)differ);
}

/* The struct lp_file itself: in reclaimable memory, known revision, page-aligned HHDM address,
 * path with a leading slash, printable strings in reclaimable memory. */
static bool check_file_struct(const struct lp_file *f, const char *what)
{
    bool ok = f != NULL && in_reclaimable(f, sizeof *f) && f->revision <= LP_FILE_REVISION_MAX;
    ok = ok && ((uint64_t)f->address & (PAGE_SIZE - 1)) == 0 && hhdm_pointer(f->address) && f->size > 0;
    ok = ok && f->path != NULL && f->path[0] == '/' && ascii_string(f->path, STRING_MAX) &&
         in_reclaimable(f->path, str_len(f->path) + 1);
    ok = ok && f->string != NULL && ascii_string(f->string, STRING_MAX) && in_reclaimable(f->string, str_len(f->string) + 1);
    check(ok, EXIT_FAIL_FILES, what, "struct at %p: address %p, %llu bytes, path \"%s\"", (const void *)f,
          f ? f->address : NULL, f ? (unsigned long long)f->size : 0ULL, f && f->path ? f->path : "-");
    return ok;
}

/* Every byte of the file copy against the cmdline's "file=HEX filesize=N" (the host's FNV-1a of
 * kernel.elf on the ESP): the spec's executable file is the file, not the loaded image. */
static void check_file_bytes(const struct lp_file *f, const char *cmdline)
{
    char fnv[VALUE_MAX], size[VALUE_MAX];

    if (cmdline == NULL || !word_value(cmdline, "file", fnv, sizeof fnv) ||
        !word_value(cmdline, "filesize", size, sizeof size))
        return;
    uint32_t got = fnv1a32(f->address, f->size);
    check(got == parse_hex(fnv) && f->size == parse_dec(size), EXIT_FAIL_FILES, "executable file is the file on disk",
          "%llu bytes, fnv1a %08x (the ESP's: %s bytes, fnv1a %s)", (unsigned long long)f->size, got, size, fnv);
}

/* A UUID as text in the usual mixed-endian reading (the first three fields are numbers). */
static void uuid_text(const struct lp_uuid *u, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t bytes[16] = { (uint8_t)(u->a >> 24), (uint8_t)(u->a >> 16), (uint8_t)(u->a >> 8), (uint8_t)u->a,
                          (uint8_t)(u->b >> 8), (uint8_t)u->b, (uint8_t)(u->c >> 8), (uint8_t)u->c };
    unsigned n = 0;

    for (unsigned i = 0; i < 8; i++)
        bytes[8 + i] = u->d[i];
    for (unsigned i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[n++] = '-';
        out[n++] = hex[bytes[i] >> 4];
        out[n++] = hex[bytes[i] & 15];
    }
    out[n] = '\0';
}

/* The spec's volume fields of f against the host's values in words (a module's string or the
 * command line), where it gives them: "part=N" the 1-based partition index, "partguid=GUID" and
 * "diskguid=GUID" (lower case) the GPT's partition and disk GUIDs. */
static void check_file_volume(const struct lp_file *f, const char *words, const char *what)
{
    char part[VALUE_MAX], want_part[40], want_disk[40], got_part[37], got_disk[37];

    if (words == NULL || !word_value(words, "part", part, sizeof part))
        return;
    uuid_text(&f->gpt_part_uuid, got_part);
    uuid_text(&f->gpt_disk_uuid, got_disk);
    bool ok = f->partition_index == parse_dec(part);
    ok = ok && (!word_value(words, "partguid", want_part, sizeof want_part) || str_eq(got_part, want_part));
    ok = ok && (!word_value(words, "diskguid", want_disk, sizeof want_disk) || str_eq(got_disk, want_disk));
    check(ok, EXIT_FAIL_FILES, what, "%s: partition %u (expected %s), GPT partition %s, disk %s, MBR id 0x%x", f->path,
          f->partition_index, part, got_part, got_disk, f->mbr_disk_id);
}

/* Executable File: a copy of the ELF file (magic, x86-64, e_entry = the link-time ELF entry,
 * the loaded .text at its file offset, every byte when the cmdline gives the file's hash), at the
 * cmdline's path=. slide is run-time minus link-time; cmdline may be NULL. */
void check_executable_file(const struct lp_executable_file_response *r, uint64_t elf_entry, uint64_t slide,
                           const char *cmdline)
{
    char path[PATH_MAX_WORD];
    const char *expect_path = cmdline ? word_value(cmdline, "path", path, sizeof path) : NULL;

    if (!check_response(r, "executable file", LP_RESPONSE_REVISION_MAX) ||
        !check_file_struct(r->executable_file, "executable file structure"))
        return;
    const struct lp_file *f = r->executable_file;
    const uint8_t *elf = f->address;
    bool header = f->size >= ELF_HEADER_SIZE && elf[0] == 0x7f && elf[1] == 'E' && elf[2] == 'L' && elf[3] == 'F' &&
                  elf[4] == ELF_CLASS64 && elf[5] == ELF_DATA_LE && le(elf + ELF_MACHINE_OFFSET, 2) == ELF_MACHINE_X86_64;
    check(header && le(elf + ELF_ENTRY_OFFSET, 8) == elf_entry, EXIT_FAIL_FILES, "executable file is this ELF",
          "%llu bytes, e_entry 0x%llx (expected 0x%llx)", (unsigned long long)f->size,
          header ? (unsigned long long)le(elf + ELF_ENTRY_OFFSET, 8) : 0ULL, (unsigned long long)elf_entry);
    if (header)
        check_file_matches_text(elf, f->size, slide);
    check_file_bytes(f, cmdline);
    if (expect_path != NULL)
        check(str_eq(f->path, expect_path), EXIT_FAIL_FILES, "executable path", "\"%s\" (expected \"%s\")", f->path,
              expect_path);
    check(f->media_type == LP_MEDIA_GENERIC, EXIT_FAIL_FILES, "executable media type generic",
          "media %u, partition %u, MBR id 0x%x", f->media_type, f->partition_index, f->mbr_disk_id);
    check_file_volume(f, cmdline, "executable file's volume");
}

/* Executable Command Line: the same memory as the executable file's string, intact. */
void check_cmdline(const struct lp_executable_cmdline_response *c, const struct lp_executable_file_response *f)
{
    if (!check_response(c, "executable cmdline", LP_RESPONSE_REVISION_MAX))
        return;
    const char *s = c->cmdline;
    bool readable = s != NULL && ascii_string(s, STRING_MAX) && in_reclaimable(s, str_len(s) + 1);
    check(readable, EXIT_FAIL_FILES, "cmdline string", "at %p", (const void *)s);
    if (!readable)
        return;
    kprintf("probe: info cmdline \"%s\"\n", s);
    check(str_starts(s, CMDLINE_BEGIN) && str_ends(s, CMDLINE_END) && str_contains(s, CMDLINE_TRICKY),
          EXIT_FAIL_FILES, "cmdline intact", "%llu bytes", (unsigned long long)str_len(s));
    if (f != NULL && f->executable_file != NULL)
        check(f->executable_file->string == s, EXIT_FAIL_FILES, "cmdline is the executable file's string",
              "cmdline %p, file string %p", (const void *)s, (const void *)f->executable_file->string);
}

/* A module's bytes against the "fnv1a=HEX size=N" in its own string (config modules) or against the
 * internal module's expectations. */
static void check_module_contents(unsigned i, const struct lp_file *m, bool internal, const char *internal_fnv)
{
    char fnv[VALUE_MAX], size[VALUE_MAX];
    uint32_t got = fnv1a32(m->address, m->size);

    if (internal) {
        bool named = str_ends(m->path, INTERNAL_PATH_SUFFIX) && str_eq(m->string, INTERNAL_STRING);
        check(named && internal_fnv != NULL && got == parse_hex(internal_fnv), EXIT_FAIL_FILES,
              "internal module first and intact", "%s \"%s\": %llu bytes, fnv1a %08x (expected %s)", m->path, m->string,
              (unsigned long long)m->size, got, internal_fnv ? internal_fnv : "?");
        return;
    }
    bool has = word_value(m->string, "fnv1a", fnv, sizeof fnv) && word_value(m->string, "size", size, sizeof size);
    check(has && got == parse_hex(fnv) && m->size == parse_dec(size), EXIT_FAIL_FILES, "module contents",
          "%u %s \"%s\": %llu bytes, fnv1a %08x", i, m->path, m->string, (unsigned long long)m->size, got);
}

/* No two modules, and no module and the kernel, share a 4 KiB page ("all 4KiB chunks of memory
 * they cover for themselves exclusively"). */
static void check_modules_exclusive(const struct lp_module_response *r)
{
    uint64_t lo[MAX_MODULES + 1], hi[MAX_MODULES + 1], n = 0, shared = 0;
    bool mapped;

    lo[n] = virt_to_phys(__image_start, &mapped);
    hi[n++] = lo[0] + (uint64_t)(__image_end - __image_start);
    for (uint64_t i = 0; i < r->module_count && n <= MAX_MODULES; i++, n++) {
        lo[n] = virt_to_phys(r->modules[i]->address, &mapped) & ~(PAGE_SIZE - 1);
        hi[n] = (lo[n] + r->modules[i]->size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }
    for (uint64_t a = 0; a < n; a++)
        for (uint64_t b = a + 1; b < n; b++)
            shared += lo[a] < hi[b] && lo[b] < hi[a];
    check(shared == 0, EXIT_FAIL_FILES, "modules own their pages", "%llu ranges, %llu pairs share pages",
          (unsigned long long)n, (unsigned long long)shared);
}

/* Module: as many modules as the cmdline's modules=N (plus the internal one when it was requested and
 * the response revision honours internal modules), each intact, page-aligned, in
 * executable+modules memory. */
void check_modules(const struct lp_module_response *r, const char *cmdline, bool internal_requested)
{
    char count[VALUE_MAX], fnv[VALUE_MAX];
    uint64_t configured = cmdline && word_value(cmdline, "modules", count, sizeof count) ? parse_dec(count) : 0;
    const char *internal_fnv = cmdline ? word_value(cmdline, "internal", fnv, sizeof fnv) : NULL;

    if (configured == 0 && !internal_requested && r == NULL)
        return;
    if (!check_response(r, "module", LP_MODULE_RESPONSE_REVISION_MAX))
        return;
    bool internal = internal_requested && r->revision >= 1;
    if (internal_requested && !internal)
        note("module response revision %llu: internal modules not honoured", (unsigned long long)r->revision);
    uint64_t want = configured + internal;
    bool array = r->modules != NULL && r->module_count <= MAX_MODULES;
    bool placed = array && in_reclaimable(r->modules, r->module_count * sizeof r->modules[0]);
    check(r->module_count == want && placed, EXIT_FAIL_FILES, "module count",
          "%llu modules (expected %llu), array at %p%s", (unsigned long long)r->module_count, (unsigned long long)want,
          (void *)r->modules, array && !placed ? ", not in bootloader-reclaimable memory" : "");
    if (!array)
        return;
    for (uint64_t i = 0; i < r->module_count; i++) {
        const struct lp_file *m = r->modules[i];
        uint64_t bad = 0;
        if (!check_file_struct(m, "module structure"))
            return;
        check(virt_range_typed(m->address, m->size, LP_MEM_EXECUTABLE_AND_MODULES, &bad), EXIT_FAIL_FILES,
              "module pages typed executable+modules", "%s first wrong 0x%llx", m->path, (unsigned long long)bad);
        check_module_contents((unsigned)i, m, internal && i == 0, internal_fnv);
        check_file_volume(m, internal && i == 0 ? cmdline : m->string, "module's volume");
    }
    check_modules_exclusive(r);
}
