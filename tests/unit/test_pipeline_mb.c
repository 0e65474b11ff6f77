/* Host tests of stage "read kernel headers"' first step (src/core/pipeline_mb.c): which files are
 * looked at for a Multiboot header, which header wins, and the line a Multiboot kernel gets. */
#include "mbheader_fixtures.h"

#include "core/pipeline.h"

static unsigned reads;
static char said[16][160];
static unsigned said_count;

static bool read_file(void *ctx, uint64_t offset, void *buf, uint64_t len)
{
    (void)ctx;
    reads++;
    memcpy(buf, file + offset, (size_t)len);
    return true;
}

static void say(void *ctx, enum pipe_level level, const char *line)
{
    (void)ctx;
    (void)level;
    if (said_count < 16)
        snprintf(said[said_count++], sizeof said[0], "%s", line);
}

static struct pipe_multiboot mb;

/* Runs the step on file[0..file_len) under protocol; returns its verdict, diag in *d, the kernel in mb. */
static bool check(enum config_protocol protocol, struct decide_diag *d)
{
    static uint8_t window[MB2_SEARCH_BYTES];
    struct ember_config cfg;
    struct pipe_reader rd = { NULL, read_file, NULL, file_len };
    struct pipe_sink sink = { NULL, say };

    config_defaults(&cfg);
    cfg.protocol = protocol;
    reads = said_count = 0;
    memset(d, 0, sizeof *d);
    return pipe_check_multiboot(&cfg, &rd, window, &sink, &mb, d);
}

/* An ELF32 (class 1) or ELF64 (class 2) ET_EXEC with one PT_LOAD: file [0x1000, 0x3000) at
 * physical 1 MiB, entry 0x100100. */
static void elf_ident(unsigned elf_class)
{
    bool is64 = elf_class == 2;
    size_t ph = is64 ? 64 : 52, w = is64 ? 8 : 4;
    uint64_t fields[] = { 0x1000, 0x100000, 0x100000, 0x2000, 0x2000 };

    memcpy(file, "\x7f" "ELF", 4);
    file[4] = (uint8_t)elf_class;
    file[5] = 1;
    put16(16, 2);
    put16(18, is64 ? 62 : 3);
    put32(24, 0x100100);
    put32(is64 ? 32 : 28, (uint32_t)ph);
    put16(is64 ? 54 : 42, is64 ? 56 : 32);
    put16(is64 ? 56 : 44, 1);
    put32(ph, 1);
    for (unsigned i = 0; i < 5; i++)
        put32(ph + (is64 ? 8 : 4) + i * w, (uint32_t)fields[i]);
}

static void test_multiboot_kernels_are_named(void **state)
{
    struct decide_diag d;
    const uint32_t request[] = { 6, 8 };
    (void)state;

    file_reset(20000);
    elf_ident(1); /* ELF32 */
    mb2_begin(0x1000, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_INFO_REQUEST, 0, 16, request, 2);
    mb2_tag(MB2_TAG_FRAMEBUFFER, MB2_TAG_OPTIONAL, 20, (const uint32_t[]){ 1024, 768, 32 }, 3);
    mb2_end();
    mb1_put(0x1080, 0x3);
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_int_equal(mb.version, 2);
    assert_int_equal(mb.plan.entry, 0x100100);
    assert_string_equal(said[0], "multiboot2: header at file offset 0x1000, 2 tag(s)");
    assert_string_equal(said[1], "multiboot2:   information request tag (required): honoured: each tag ember gives "
                                 "is there (a required one it does not give is refused)");
    assert_string_equal(said[2], "multiboot2:   framebuffer tag (optional): the GOP mode of that width and height "
                                 "if the firmware has one, else the current one");
    assert_string_equal(said[3], "multiboot2:   asks for information tag 6 (required)");
    assert_string_equal(said[5], "multiboot2: 1 segment(s) by its ELF32 headers at physical [0x100000, 0x102000), "
                                 "entry 0x100100");
    /* protocol=multiboot1 reads the Multiboot 1 header of the same file */
    assert_true(check(PROTOCOL_MULTIBOOT1, &d));
    assert_int_equal(mb.version, 1);
    assert_string_equal(said[0], "multiboot: header at file offset 0x1080, flags 0x3, modules page-aligned, memory "
                                 "information");
    /* no Multiboot 2 header: the Multiboot 1 one under auto; none under protocol=multiboot2 */
    memset(file + 0x1000, 0, 64);
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_int_equal(mb.version, 1);
    assert_false(check(PROTOCOL_MULTIBOOT2, &d));
    assert_int_equal(d.rule, DECIDE_MULTIBOOT_HEADER);
    assert_string_equal(d.message, "kernel /kernel.elf has no Multiboot 2 header (magic 0xE85250D6, 8-byte aligned, "
                                   "in the first 32 KiB): protocol=multiboot2 needs one");
}

static void test_elf64_and_other_protocols_go_on(void **state)
{
    struct decide_diag d;
    (void)state;

    file_reset(20000);
    elf_ident(2);
    mb2_minimal(0x1000);
    assert_true(check(PROTOCOL_AUTO, &d)); /* ELF64 entering below 4 GiB: a 32-bit entry, Multiboot */
    assert_int_equal(mb.version, 2);
    put32(28, 0xffffffff);                 /* a higher-half entry: Limine and ember rules first */
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_int_equal(said_count, 0);
    assert_int_equal(mb.version, 0);
    put32(28, 0);
    assert_true(check(PROTOCOL_MULTIBOOT2, &d)); /* unless Multiboot is asked for */
    assert_int_equal(mb.version, 2);
    assert_true(mb.plan.elf64);
    assert_true(check(PROTOCOL_LIMINE, &d) && mb.version == 0);
    assert_true(check(PROTOCOL_EMBER, &d) && mb.version == 0);
    assert_int_equal(reads, 0); /* not even read */
    memset(file + 0x1000, 0, 64);
    mb2_begin(0x1000, MB2_ARCH_I386);  /* an address tag: the file from its beginning at 2 MiB */
    mb2_tag(MB2_TAG_ADDRESS, 0, 24, (const uint32_t[]){ 0x201000, 0xffffffff, 0, 0 }, 4);
    mb2_tag(MB2_TAG_ENTRY, 0, 12, (const uint32_t[]){ 0x201010 }, 1);
    mb2_end();
    assert_true(check(PROTOCOL_MULTIBOOT2, &d));
    assert_int_equal(mb.version, 2);
    assert_string_equal(said[3], "multiboot2: 1 segment(s) by its address fields at physical [0x200000, 0x204e20), "
                                 "entry 0x201010");
    file_reset(100);            /* no header, not ELF64: the ELF rules say why */
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_int_equal(mb.version, 0);
    assert_false(check(PROTOCOL_MULTIBOOT1, &d));
    assert_string_equal(d.message, "kernel /kernel.elf has no Multiboot header (magic 0x1BADB002, 4-byte aligned, in "
                                   "the first 8 KiB): protocol=multiboot1 needs one");
}

static void test_malformed_headers_are_refused_by_rule(void **state)
{
    struct decide_diag d;
    (void)state;

    file_reset(20000);
    mb2_minimal(0x800);
    file[0x800 + 12] ^= 1; /* checksum */
    assert_false(check(PROTOCOL_AUTO, &d));
    assert_int_equal(d.rule, DECIDE_MULTIBOOT_HEADER);
    assert_string_equal(d.rule_name, mb_error_name(MB_ERR_CHECKSUM));
    assert_non_null(strstr(d.message, "kernel /kernel.elf: multiboot2: "));
    assert_non_null(strstr(d.message, mb_error_hint(MB_ERR_CHECKSUM)));
    file_reset(20000);
    mb2_begin(0, MB2_ARCH_I386);
    mb2_tag(42, 0, 8, NULL, 0); /* an unknown tag, not optional */
    mb2_end();
    assert_false(check(PROTOCOL_AUTO, &d));
    assert_string_equal(d.rule_name, mb_error_name(MB_ERR_MB2_UNKNOWN_REQUIRED));
    file_reset(20000);         /* a required request for a tag ember does not give: refused (3.1.4) */
    elf_ident(1);
    mb2_begin(0x1000, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_INFO_REQUEST, 0, 16, (const uint32_t[]){ 1, 5 }, 2);
    mb2_end();
    assert_false(check(PROTOCOL_AUTO, &d));
    assert_int_equal(d.rule, DECIDE_MULTIBOOT_HEADER);
    assert_non_null(strstr(d.message, "requires tag type 5, which ember does not give"));
    mb2_begin(0x1000, MB2_ARCH_I386); /* optional: ember leaves the tag out */
    mb2_tag(MB2_TAG_INFO_REQUEST, MB2_TAG_OPTIONAL, 16, (const uint32_t[]){ 1, 5 }, 2);
    mb2_end();
    assert_true(check(PROTOCOL_AUTO, &d) && mb.version == 2);
}

/* Tags 7 and 9 together: entered in 64-bit mode with boot services kept, and the requests that
 * then make sense (18, 20) given while the memory map ones are not; tag 7 required alone is refused. */
static void test_efi_boot_services_entry(void **state)
{
    struct decide_diag d;
    (void)state;

    file_reset(20000);
    elf_ident(2);
    mb2_begin(0x1000, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_INFO_REQUEST, 0, 16, (const uint32_t[]){ 18, 20 }, 2);
    mb2_tag(MB2_TAG_EFI_BS, 0, 8, NULL, 0);
    mb2_tag(MB2_TAG_ENTRY_EFI64, 0, 12, (const uint32_t[]){ 0x100200 }, 1);
    mb2_end();
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_true(mb.keep_boot_services);
    assert_int_equal(mb.plan.entry, 0x100200);
    memset(file + 0x1000, 0, 128);
    mb2_begin(0x1000, MB2_ARCH_I386); /* a memory map required while boot services run: not given */
    mb2_tag(MB2_TAG_INFO_REQUEST, 0, 12, (const uint32_t[]){ 6 }, 1);
    mb2_tag(MB2_TAG_EFI_BS, 0, 8, NULL, 0);
    mb2_tag(MB2_TAG_ENTRY_EFI64, 0, 12, (const uint32_t[]){ 0x100200 }, 1);
    mb2_end();
    assert_false(check(PROTOCOL_AUTO, &d));
    assert_non_null(strstr(d.message, "requires tag type 6"));
    memset(file + 0x1000, 0, 128);
    mb2_begin(0x1000, MB2_ARCH_I386); /* boot services kept, no 64-bit entry to enter by */
    mb2_tag(MB2_TAG_EFI_BS, 0, 8, NULL, 0);
    mb2_end();
    assert_false(check(PROTOCOL_AUTO, &d));
    assert_non_null(strstr(d.message, "the EFI boot services tag is required without an EFI amd64 entry tag"));
    memset(file + 0x1000, 0, 128);
    mb2_begin(0x1000, MB2_ARCH_I386); /* optional: ember exits them and enters in 32-bit mode */
    mb2_tag(MB2_TAG_EFI_BS, MB2_TAG_OPTIONAL, 8, NULL, 0);
    mb2_end();
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_false(mb.keep_boot_services);
}

/* Console flags tag (3.1.6): bit 0 "a console must be present" is carried with the tag's optional
 * bit (the loader decides once it knows whether GOP is there); bit 1 alone asks for nothing. */
static void test_console_flags(void **state)
{
    static const struct { uint16_t tag_flags; uint32_t console_flags; bool required, optional; } cases[] = {
        { 0, MB2_CONSOLE_REQUIRED, true, false },
        { MB2_TAG_OPTIONAL, MB2_CONSOLE_REQUIRED | MB2_CONSOLE_EGA_TEXT, true, true },
        { 0, MB2_CONSOLE_EGA_TEXT, false, false },
    };
    struct decide_diag d;
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        file_reset(20000);
        elf_ident(1);
        mb2_begin(0x1000, MB2_ARCH_I386);
        mb2_tag(MB2_TAG_CONSOLE_FLAGS, cases[i].tag_flags, 12, (const uint32_t[]){ cases[i].console_flags }, 1);
        mb2_end();
        assert_true(check(PROTOCOL_AUTO, &d));
        assert_int_equal(mb.version, 2);
        assert_int_equal(mb.console_required, cases[i].required);
        assert_int_equal(mb.console_tag_optional, cases[i].optional);
    }
    file_reset(20000); /* no tag: nothing asked */
    elf_ident(1);
    mb2_begin(0x1000, MB2_ARCH_I386);
    mb2_end();
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_false(mb.console_required);
}

/* The information request's required types reach the loader (its machine checks), an optional
 * request's do not; types past 31 are no bit (ember gives none of them). */
static void test_required_tags(void **state)
{
    struct decide_diag d;
    (void)state;

    file_reset(20000);
    elf_ident(1);
    mb2_begin(0x1000, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_INFO_REQUEST, 0, 20, (const uint32_t[]){ 8, 9, 14 }, 3);
    mb2_end();
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_int_equal(mb.required_tags, (1u << 8) | (1u << 9) | (1u << 14));
    file_reset(20000);
    elf_ident(1);
    mb2_begin(0x1000, MB2_ARCH_I386);
    mb2_tag(MB2_TAG_INFO_REQUEST, MB2_TAG_OPTIONAL, 20, (const uint32_t[]){ 8, 9, 40 }, 3);
    mb2_end();
    assert_true(check(PROTOCOL_AUTO, &d));
    assert_int_equal(mb.required_tags, 0);
    /* what only the machine or the file fills (checked at boot), and what ember always fills */
    for (uint32_t type = 0; type < 32; type++)
        assert_int_equal(pipe_mb2_machine_need(type) != NULL, type == 8 || type == 9 || type == 13 || type == 14 ||
                                                                  type == 15);
}

/* Several request tags, each with its own optional bit (3.1.3 applies per tag): an optional request
 * for a tag ember never gives (5, BIOS boot device) next to a required one boots, whatever their
 * order; the same type required is refused, whatever their order. */
static void test_request_tags_each_with_its_flag(void **state)
{
    struct decide_diag d;
    (void)state;

    for (unsigned order = 0; order < 4; order++) {
        bool boot_device_required = order >= 2, required_first = order % 2 == 0;
        uint16_t bd_flags = boot_device_required ? 0 : MB2_TAG_OPTIONAL;
        file_reset(20000);
        elf_ident(1);
        mb2_begin(0x1000, MB2_ARCH_I386);
        if (required_first)
            mb2_tag(MB2_TAG_INFO_REQUEST, 0, 16, (const uint32_t[]){ 1, 6 }, 2);
        mb2_tag(MB2_TAG_INFO_REQUEST, bd_flags, 12, (const uint32_t[]){ 5 }, 1);
        if (!required_first)
            mb2_tag(MB2_TAG_INFO_REQUEST, 0, 16, (const uint32_t[]){ 1, 6 }, 2);
        mb2_end();
        assert_int_equal(check(PROTOCOL_AUTO, &d), !boot_device_required);
        if (boot_device_required) {
            assert_non_null(strstr(d.message, "requires tag type 5"));
            continue;
        }
        assert_int_equal(mb.required_tags, (1u << 1) | (1u << 6));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multiboot_kernels_are_named),
        cmocka_unit_test(test_elf64_and_other_protocols_go_on),
        cmocka_unit_test(test_malformed_headers_are_refused_by_rule),
        cmocka_unit_test(test_efi_boot_services_entry),
        cmocka_unit_test(test_console_flags),
        cmocka_unit_test(test_required_tags),
        cmocka_unit_test(test_request_tags_each_with_its_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
