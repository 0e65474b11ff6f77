/* Host tests of ember-inspect's report and its JSON (src/inspect): built from in-memory kernels
 * and configs, checked field by field against what the loader's rules say. */
#include <stdio.h>
#include <stdlib.h>

#include "elf_fixtures.h"
#include "ember/limine.h"
#include "inspect/inspect.h"

static uint8_t file[FIXTURE_FILE_SIZE];
static struct inspect_report report;
static char json[64 * 1024];

/* The fixture kernel (three segments at 0xffffffff80000000) written into file[]. */
static void good_kernel(void)
{
    struct elf_fixture f;
    fixture_init(&f);
    fixture_write(&f, file, sizeof file);
}

static void run(const char *config)
{
    assert_true(inspect_run(file, sizeof file, config, config ? strlen(config) : 0, &report));
    assert_true(inspect_format_json(&report, json, sizeof json));
}

static void expect_json(const char *fragment)
{
    if (strstr(json, fragment) == NULL)
        fail_msg("JSON lacks %s:\n%s", fragment, json);
}

static void test_good_kernel_boots_with_ember(void **state)
{
    (void)state;
    good_kernel();
    run(NULL);
    assert_int_equal(report.verdict, INSPECT_BOOTS);
    expect_json("{\"verdict\":\"boot\",\"stage\":null,\"rule\":null,\"error\":null,");
    expect_json("\"protocol\":\"ember\",\"protocol_reason\":\"auto: ");
    expect_json("\"entry\":\"0xffffffff80000010\",\"relocatable\":false,\"stack_size\":65536,");
    /* text: 0x1800 bytes = 2 pages R-X at p_paddr 0x100000 */
    expect_json("{\"program_header\":0,\"vaddr\":\"0xffffffff80000000\",\"paddr\":\"0x100000\",\"phys\":\"0x100000\",\"filesz\":6144,"
                "\"memsz\":6144,\"permissions\":\"R-X\",\"pages_4k\":2,\"pages_2m\":0}");
    /* data+bss: 0x2400 bytes = 3 pages RW- */
    expect_json("\"permissions\":\"RW-\",\"pages_4k\":3,\"pages_2m\":0}");
    expect_json("\"page_table_pages\":4,"); /* PML4, PDPT, PD, PT */
    expect_json("\"limine\":null,");
    expect_json("\"config\":{\"from_file\":false,\"kernel\":\"/kernel.elf\",\"protocol\":\"auto\"");
    assert_true(report.assumption_count > 0);
}

static void test_bad_magic_is_refused_with_the_loader_line(void **state)
{
    (void)state;
    good_kernel();
    file[0] = 0;
    run(NULL);
    assert_int_equal(report.verdict, INSPECT_REFUSED);
    expect_json("{\"verdict\":\"refuse\",\"stage\":\"read kernel headers\",\"rule\":\"bad-magic\",\"error\":"
                "\"invalid kernel /kernel.elf: bad-magic: ");
    assert_null(strstr(json, "\"segments\""));
}

static void test_bad_config_is_refused_first(void **state)
{
    (void)state;
    good_kernel();
    file[0] = 0; /* the config error comes first, as in the loader */
    run("kernal=\\x.elf\n");
    expect_json("\"stage\":\"read the config\",\"rule\":\"unknown-key\",\"error\":\"ember.cfg:1: unknown key 'kernal'");
}

static void test_config_is_reported_after_parsing(void **state)
{
    (void)state;
    good_kernel();
    run("kernel=/boot/k.elf\ncmdline=\"a  b\"\nsmp=yes\nstack_size=128K\nmodule=/m.bin name\n");
    expect_json("\"kernel\":\"/boot/k.elf\"");
    expect_json("\"cmdline\":\"a  b\"");
    expect_json("\"smp\":\"yes\"");
    expect_json("\"stack_size\":131072");
    expect_json("\"modules\":[{\"path\":\"/m.bin\",\"name\":\"name\",\"sha256_pinned\":false}]");
}

static void test_kernel_pin_mismatch(void **state)
{
    char cfg[128];
    (void)state;
    good_kernel();
    snprintf(cfg, sizeof cfg, "kernel_sha256=%064d\n", 0);
    run(cfg);
    expect_json("\"stage\":\"load kernel segments\",\"rule\":\"sha256-pin-mismatch\",\"error\":\"kernel /kernel.elf "
                "SHA-256 mismatch: file has ");
}

/* A Limine kernel: the fixture with a base-revision 3 tag and an HHDM request in its data. */
static void limine_kernel(uint64_t tag_revision)
{
    const uint64_t tag[3] = { LIMINE_BASE_REVISION_MAGIC0, LIMINE_BASE_REVISION_MAGIC1, tag_revision };
    const uint64_t hhdm[6] = { LIMINE_COMMON_MAGIC0, LIMINE_COMMON_MAGIC1, LIMINE_HHDM_ID2, LIMINE_HHDM_ID3, 0, 0 };
    good_kernel();
    memcpy(file + 0x4000, tag, sizeof tag);          /* data segment: file offset 0x4000 */
    memcpy(file + 0x4000 + 0x20, hhdm, sizeof hhdm);
}

static void test_limine_kernel_requests_and_answers(void **state)
{
    (void)state;
    limine_kernel(3);
    run(NULL);
    assert_int_equal(report.verdict, INSPECT_BOOTS);
    expect_json("\"protocol\":\"limine\",\"protocol_reason\":\"auto: base revision 3 tag at 0xffffffff80003000\"");
    expect_json("\"limine\":{\"base_revision\":3,\"has_tag\":true,\"requests\":[{\"kind\":\"HHDM\",\"revision\":0,"
                "\"vaddr\":\"0xffffffff80003020\",\"answered\":true,\"answer\":\"answered: offset 0xffff800000000000\"}]}");
    expect_json("\"stack_size\":65536"); /* no stack size request: Limine's 64 KiB */
}

/* Limine boots a preset response (it overwrites it): inspect warns as the loader does; strict=yes
 * refuses by the same rule. */
static void test_limine_response_set_warns_and_strict_refuses(void **state)
{
    uint64_t response = 0xffffffff8badf000ULL;
    (void)state;
    limine_kernel(3);
    memcpy(file + 0x4000 + 0x20 + 40, &response, sizeof response);
    run(NULL);
    assert_int_equal(report.verdict, INSPECT_BOOTS);
    expect_json("\"limine: HHDM request at 0xffffffff80003020 has response 0xffffffff8badf000 in the file, not 0: "
                "ember overwrites it with its answer");
    run("strict=yes\n");
    expect_json("\"stage\":\"choose protocol\",\"rule\":\"response not 0\",\"error\":\"limine: HHDM request at "
                "0xffffffff80003020 has response 0xffffffff8badf000 in the file, not 0: Limine boots it, ember.cfg says "
                "strict=yes (response not 0): leave the response NULL in the source, or strict=no\"");
}

static void test_newer_revision_is_a_warning_not_a_refusal(void **state)
{
    (void)state;
    limine_kernel(7);
    run(NULL);
    assert_int_equal(report.verdict, INSPECT_BOOTS);
    expect_json("\"base_revision\":6,");
    expect_json("\"warnings\":[\"limine: the kernel asks for base revision 7; ember supports 0-6: booting it as "
                "revision 6\"]");
}

/* Makes the fixture's data segment (program header 2) writable and executable. */
static void data_segment_wx(void)
{
    uint64_t phoff;
    uint32_t rwx = ELF_PF_R | ELF_PF_W | ELF_PF_X;
    memcpy(&phoff, file + 32, sizeof phoff);  /* e_phoff */
    memcpy(file + phoff + 2 * 56 + 4, &rwx, sizeof rwx); /* p_flags of the third 56-byte header */
}

/* W+X: Limine maps such a segment RWX, so a Limine kernel boots with a WARN (strict=yes refuses);
 * ember's own protocol refuses it unless ember.cfg says allow_wx=yes, which is said too. */
static void test_wx_segment_per_protocol(void **state)
{
    (void)state;
    limine_kernel(3);
    data_segment_wx();
    run(NULL);
    assert_int_equal(report.verdict, INSPECT_BOOTS);
    expect_json("\"kernel program header 2 (p_vaddr 0xffffffff80003000) is writable and executable: mapped W+X as "
                "Limine maps it (strict=yes refuses)\"");
    run("strict=yes\n");
    expect_json("\"stage\":\"read kernel headers\",\"rule\":\"writable-and-executable\"");
    good_kernel();
    data_segment_wx();
    run(NULL);
    expect_json("\"stage\":\"choose protocol\",\"rule\":\"writable-and-executable\",\"error\":\"invalid kernel "
                "/kernel.elf: writable-and-executable: program header 2 p_flags 0x7 has PF_W|PF_X: split it");
    run("protocol=ember\n");
    expect_json("\"stage\":\"read kernel headers\",\"rule\":\"writable-and-executable\"");
    run("allow_wx=yes\n");
    assert_int_equal(report.verdict, INSPECT_BOOTS);
    expect_json("mapped W+X because ember.cfg says allow_wx=yes\"");
}

static void test_lower_half_limine_protocol_is_refused(void **state)
{
    struct elf_fixture f;
    (void)state;
    fixture_init_empty(&f);
    f.ehdr.e_entry = 0x401000;
    fixture_add(&f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, 0x401000, 0x401000, 0x100, 0x100, 0x1000);
    fixture_write(&f, file, sizeof file);
    run("protocol=limine\n");
    expect_json("\"stage\":\"read kernel headers\",\"rule\":\"below-min-vaddr\"");
    run(NULL); /* ember's protocol: it loads at paddr == vaddr, if that memory is free at boot */
    assert_int_equal(report.verdict, INSPECT_BOOTS);
    expect_json("[0x401000, 0x402000) is free RAM at boot");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_kernel_boots_with_ember),
        cmocka_unit_test(test_bad_magic_is_refused_with_the_loader_line),
        cmocka_unit_test(test_bad_config_is_refused_first),
        cmocka_unit_test(test_config_is_reported_after_parsing),
        cmocka_unit_test(test_kernel_pin_mismatch),
        cmocka_unit_test(test_limine_kernel_requests_and_answers),
        cmocka_unit_test(test_limine_response_set_warns_and_strict_refuses),
        cmocka_unit_test(test_newer_revision_is_a_warning_not_a_refusal),
        cmocka_unit_test(test_wx_segment_per_protocol),
        cmocka_unit_test(test_lower_half_limine_protocol_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
