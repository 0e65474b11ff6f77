/* Host tests of the loader's kernel-and-config decisions (src/core/decide.c): ELF options per protocol,
 * the relocatable re-plan, the protocol choice, the ember and Limine refusals and their lines. */
#include <stdio.h>
#include <stdlib.h>

#include "core/decide.h"
#include "elf_fixtures.h"

#define KERNEL_PATH "\\kernel.elf"

static void config_with(struct ember_config *cfg, enum config_protocol protocol)
{
    config_defaults(cfg);
    cfg->protocol = protocol;
    snprintf(cfg->kernel, sizeof cfg->kernel, "%s", KERNEL_PATH);
}

static void test_elf_options_per_protocol(void **state)
{
    struct ember_config cfg;
    struct elf_options o;
    (void)state;

    config_with(&cfg, PROTOCOL_EMBER);
    decide_elf_options(&cfg, 0, &o);
    assert_false(o.allow_dyn);
    assert_false(o.allow_wx); /* ember's own W^X rule */
    assert_int_equal(o.min_vaddr, 0);
    assert_int_equal(o.reserved_base, EMBER_HHDM_OFFSET);
    assert_int_equal(o.reserved_size, EMBER_HHDM_MAX_SIZE);
    config_with(&cfg, PROTOCOL_AUTO);
    cfg.allow_wx = true;
    decide_elf_options(&cfg, 0, &o);
    assert_true(o.allow_dyn && o.allow_wx);
    assert_int_equal(o.min_vaddr, 0);
    config_with(&cfg, PROTOCOL_LIMINE);
    decide_elf_options(&cfg, 0, &o);
    assert_true(o.allow_dyn);
    assert_true(o.allow_wx); /* Limine maps W+X segments so */
    assert_int_equal(o.min_vaddr, LIMINE_KERNEL_MIN_VADDR);
    cfg.strict = true;
    decide_elf_options(&cfg, 0, &o);
    assert_false(o.allow_wx);
}

/* A relocatable kernel linked at 0 (vaddr == offset), PT_DYNAMIC inside .data. */
static void dyn_fixture(struct elf_fixture *f)
{
    fixture_init_empty(f);
    f->ehdr.e_type = ELF_TYPE_DYN;
    f->ehdr.e_entry = 0x1010;
    fixture_add(f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0x1000, 0x1000, 0x1000, 0x1800, 0x1800, 0x1000);
    fixture_add(f, ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x4000, 0x4000, 0x4000, 0x400, 0x2400, 0x1000);
    fixture_add(f, ELF_PT_DYNAMIC, ELF_PF_R | ELF_PF_W, 0x4100, 0x4100, 0x4100, 0x100, 0x100, 8);
}

static void test_relocatable_auto_is_slid_to_the_limine_floor(void **state)
{
    struct ember_config cfg;
    struct elf_fixture f;
    struct elf_plan plan;
    struct elf_diag elf;
    struct decide_diag diag;
    (void)state;

    config_with(&cfg, PROTOCOL_AUTO);
    dyn_fixture(&f);
    decide_elf_options(&cfg, 0, &f.opts);
    assert_int_equal(elf_build_plan(&f.ehdr, f.phdrs, f.file_size, &f.opts, &plan, &elf), ELF_OK);
    assert_int_equal(plan.vaddr_min, 0x1000);
    assert_true(decide_replan_relocatable(&cfg, 0, &f.ehdr, f.phdrs, f.file_size, &plan, &diag));
    assert_true(plan.vaddr_min >= LIMINE_KERNEL_MIN_VADDR);
    assert_int_equal(plan.entry, 0x1010 + plan.slide);
}

/* kaslr=yes (limine.conf `kaslr: yes`): the slide moves up by the seed's pick of whole 2 MiB steps
 * that keep the image in the top 2 GiB; the seed decides it, without kaslr the seed changes nothing. */
static void test_kaslr_slide_is_random_within_the_top_2_gib(void **state)
{
    struct ember_config cfg;
    struct elf_fixture f;
    struct elf_plan plan;
    struct elf_diag elf;
    uint64_t smallest, seen[3];
    (void)state;

    config_with(&cfg, PROTOCOL_LIMINE);
    dyn_fixture(&f);
    decide_elf_options(&cfg, 12345, &f.opts);
    assert_int_equal(elf_build_plan(&f.ehdr, f.phdrs, f.file_size, &f.opts, &plan, &elf), ELF_OK);
    smallest = plan.slide; /* kaslr off: the seed is ignored */
    assert_int_equal(plan.vaddr_min, LIMINE_KERNEL_MIN_VADDR + 0x1000); /* the first 2 MiB step that lifts it */
    assert_int_equal(plan.slide_positions, 0);
    cfg.kaslr = true;
    for (unsigned i = 0; i < 3; i++) {
        decide_elf_options(&cfg, 0x9e3779b97f4a7c15ULL * (i + 1), &f.opts);
        assert_int_equal(elf_build_plan(&f.ehdr, f.phdrs, f.file_size, &f.opts, &plan, &elf), ELF_OK);
        assert_true(plan.vaddr_min >= LIMINE_KERNEL_MIN_VADDR);
        assert_true(plan.vaddr_end <= 0ULL - PAGE_SIZE_2M); /* its end stays representable */
        assert_int_equal((plan.slide - smallest) % PAGE_SIZE_2M, 0);
        assert_int_equal(plan.slide_positions, 1024 - 1); /* 2 GiB in 2 MiB steps, the top one kept free */
        assert_int_equal(plan.entry, 0x1010 + plan.slide);
        seen[i] = plan.slide;
    }
    assert_true(seen[0] != seen[1] || seen[1] != seen[2]);
}

static void test_exec_plan_is_left_alone(void **state)
{
    struct ember_config cfg;
    struct elf_fixture f;
    struct elf_plan plan, before;
    struct elf_diag elf;
    struct decide_diag diag;
    (void)state;

    config_with(&cfg, PROTOCOL_AUTO);
    fixture_init(&f);
    decide_elf_options(&cfg, 0, &f.opts);
    assert_int_equal(elf_build_plan(&f.ehdr, f.phdrs, f.file_size, &f.opts, &plan, &elf), ELF_OK);
    before = plan;
    assert_true(decide_replan_relocatable(&cfg, 0, &f.ehdr, f.phdrs, f.file_size, &plan, &diag));
    assert_memory_equal(&plan, &before, sizeof plan);
}

static void test_elf_failure_line_names_path_and_rule(void **state)
{
    struct elf_diag elf = { ELF_ERR_BAD_MAGIC, "bad-magic: e_ident starts 00 00 00 00, want 7f 45 4c 46" };
    struct decide_diag diag;
    (void)state;

    decide_elf_failure(KERNEL_PATH, &elf, &diag);
    assert_int_equal(diag.rule, DECIDE_INVALID_ELF);
    assert_string_equal(diag.rule_name, "bad-magic");
    assert_string_equal(diag.message, "invalid kernel \\kernel.elf: bad-magic: e_ident starts 00 00 00 00, want 7f 45 4c 46: "
                                      "point kernel= at the ELF file, not an image or archive");
}

/* Every ELF rule's refusal line ends with what to do about it. */
static void test_every_elf_rule_has_a_hint(void **state)
{
    (void)state;
    assert_string_equal(elf_rule_hint(ELF_OK), "");
    for (int e = ELF_OK + 1; e < ELF_ERR_COUNT; e++)
        if (strlen(elf_rule_hint((enum elf_error)e)) < 10)
            fail_msg("rule %s has no hint", elf_error_name((enum elf_error)e));
    assert_non_null(strstr(elf_rule_hint(ELF_ERR_WRITABLE_AND_EXECUTABLE), "allow_wx=yes"));
}

/* So does every scan refusal (the strict=yes ones name the way back) and every relocation refusal. */
static void test_every_scan_and_reloc_rule_has_a_hint(void **state)
{
    struct decide_diag diag;
    struct reloc_diag reloc = { RELOC_ERR_UNDEFINED_SYMBOL, "undefined-symbol: 'x'" };
    (void)state;
    for (int e = LSCAN_OK + 1; e <= LSCAN_ERR_RESPONSE_SET; e++) {
        if (strlen(lscan_error_hint((enum lscan_error)e)) < 10)
            fail_msg("scan rule %s has no hint", lscan_error_name((enum lscan_error)e));
        if (e >= LSCAN_ERR_MARKERS_REVERSED && strstr(lscan_error_hint((enum lscan_error)e), "strict=no") == NULL)
            fail_msg("strict rule %s does not say strict=no", lscan_error_name((enum lscan_error)e));
    }
    for (int e = RELOC_OK + 1; e < RELOC_ERR_COUNT; e++)
        if (strlen(reloc_error_hint((enum reloc_error)e)) < 10)
            fail_msg("relocation rule %s has no hint", reloc_error_name((enum reloc_error)e));
    decide_reloc_failure(&reloc, &diag);
    assert_string_equal(diag.message, "limine: cannot relocate the kernel: undefined-symbol: 'x': define it in the kernel, "
                                      "or drop its use");
}

/* A BLAKE2b pin: equal digests pass; a mismatch names the file's whole digest (for a new pin) and
 * the pinned one's first 8 bytes. */
static void test_blake2b_pin(void **state)
{
    uint8_t got[BLAKE2B_DIGEST_SIZE], want[BLAKE2B_DIGEST_SIZE];
    struct decide_diag diag;
    (void)state;
    for (unsigned i = 0; i < BLAKE2B_DIGEST_SIZE; i++)
        got[i] = want[i] = (uint8_t)(i * 7);
    assert_true(decide_pin_blake2b("module 1 (/a.bin)", got, want, &diag));
    want[63] ^= 1;
    assert_false(decide_pin_blake2b("module 1 (/a.bin)", got, want, &diag));
    assert_int_equal(diag.rule, DECIDE_PIN_MISMATCH);
    assert_non_null(strstr(diag.message, "module 1 (/a.bin) BLAKE2b mismatch: file has 00070e151c232a31"));
    assert_non_null(strstr(diag.message, "b9, its path's '#' suffix pins 00070e151c232a31...: copy the right file"));
}

static void test_protocol_choice(void **state)
{
    struct ember_config cfg;
    char why[200];
    (void)state;

    config_with(&cfg, PROTOCOL_LIMINE);
    assert_int_equal(decide_protocol(&cfg, false, "", why, sizeof why), DECIDE_PROTO_LIMINE);
    assert_string_equal(why, "ember.cfg protocol=limine");
    config_with(&cfg, PROTOCOL_EMBER);
    assert_int_equal(decide_protocol(&cfg, true, "base revision 3 tag", why, sizeof why), DECIDE_PROTO_EMBER);
    assert_string_equal(why, "ember.cfg protocol=ember");
    config_with(&cfg, PROTOCOL_AUTO);
    assert_int_equal(decide_protocol(&cfg, true, "base revision 3 tag at 0x1", why, sizeof why), DECIDE_PROTO_LIMINE);
    assert_string_equal(why, "auto: base revision 3 tag at 0x1");
    assert_int_equal(decide_protocol(&cfg, false, "", why, sizeof why), DECIDE_PROTO_EMBER);
    assert_string_equal(why, "auto: no other protocol's marks in the kernel");
}

static void test_ember_refuses_relocatable(void **state)
{
    struct ember_config cfg;
    struct elf_plan plan = { .is_dyn = false };
    struct decide_diag diag;
    (void)state;

    config_with(&cfg, PROTOCOL_AUTO);
    assert_true(decide_ember_kernel(&cfg, &plan, &diag));
    plan.is_dyn = true;
    assert_false(decide_ember_kernel(&cfg, &plan, &diag));
    assert_int_equal(diag.rule, DECIDE_RELOCATABLE_FOR_EMBER);
    assert_string_equal(diag.rule_name, "relocatable-for-ember-protocol");
    assert_non_null(strstr(diag.message, "kernel \\kernel.elf is relocatable (ET_DYN)"));
}

/* Two regions of a higher-half plan, 0x3000 apart in virtual memory. */
static struct elf_plan two_regions(uint64_t base)
{
    struct elf_plan p = { .region_count = 2, .vaddr_min = base };
    p.regions[0] = (struct elf_region){ .vaddr = base, .size = 0x2000 };
    p.regions[1] = (struct elf_region){ .vaddr = base + 0x3000, .size = 0x1000 };
    return p;
}

static void test_limine_layout(void **state)
{
    struct decide_diag diag;
    struct elf_plan p = two_regions(0xffffffff80000000ULL);
    uint64_t uniform[2] = { 0x200000, 0x203000 }, split[2] = { 0x200000, 0x400000 };
    (void)state;

    assert_true(decide_limine_layout(&p, uniform, &diag));
    assert_false(decide_limine_layout(&p, split, &diag));
    assert_int_equal(diag.rule, DECIDE_LIMINE_PADDR_LAYOUT);
    assert_non_null(strstr(diag.message, "(segment at 0xffffffff80003000)"));
    p = two_regions(0xffffffff7ffff000ULL);
    assert_false(decide_limine_layout(&p, uniform, &diag));
    assert_int_equal(diag.rule, DECIDE_LIMINE_BELOW_FLOOR);
    assert_string_equal(diag.message, "limine: the kernel is linked at 0xffffffff7ffff000; Limine-protocol kernels "
                                      "live at or above 0xffffffff80000000 (relink it there, or link it "
                                      "position-independent)");
}

/* A scan holding one OK request of kind k whose bytes are req (at least 80 of them, all backed). */
static void one_request(struct lscan_result *scan, enum lscan_kind k, uint8_t *req, uint64_t revision)
{
    memset(scan, 0, sizeof *scan);
    scan->count = 1;
    scan->requests[0] = (struct lscan_request){ .kind = k, .verdict = LSCAN_VERDICT_OK, .ptr = req,
                                                .revision = revision, .backed = 80 };
}

static void test_limine_stack_size_request(void **state)
{
    struct lscan_result scan;
    struct elf_plan plan = { .entry = 0xffffffff80001000ULL };
    struct decide_diag diag;
    uint8_t req[64] = { 0 };
    uint64_t stack, entry, want = 0x21001; /* not a page multiple: rounded up */
    (void)state;

    memcpy(req + 48, &want, sizeof want);
    one_request(&scan, LSCAN_STACK_SIZE, req, 0);
    assert_true(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    assert_int_equal(stack, 0x22000);
    assert_int_equal(entry, plan.entry);
    want = 4096; /* below the default: the default */
    memcpy(req + 48, &want, sizeof want);
    assert_true(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    assert_int_equal(stack, LIMINE_DEFAULT_STACK);
    want = 64 * MIB + 1; /* Limine has no cap but memory: neither has ember */
    memcpy(req + 48, &want, sizeof want);
    assert_true(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    assert_int_equal(stack, 64 * MIB + PAGE_SIZE_4K);
    want = UINT64_MAX - 100; /* no page count holds it */
    memcpy(req + 48, &want, sizeof want);
    assert_false(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    assert_int_equal(diag.rule, DECIDE_LIMINE_STACK_SIZE);
    assert_string_equal(diag.message, "limine: stack size request asks for 18446744073709551515 bytes, past the end of "
                                      "the address space: ask for less");
}

/* A request whose fields run past the bytes behind it (the end of the image) is refused before any
 * field is read; exactly backed bytes are enough. */
static void test_request_cut_off_by_the_image_end(void **state)
{
    struct lscan_result scan;
    struct elf_plan plan = { .entry = 0xffffffff80001000ULL };
    struct decide_diag diag;
    uint8_t req[80] = { 0 };
    uint64_t stack, entry, value;
    (void)state;

    one_request(&scan, LSCAN_STACK_SIZE, req, 0);
    scan.requests[0].vaddr = 0xffffffff80003fd0ULL;
    scan.requests[0].backed = 48; /* the header ends the image: stack_size has no bytes */
    assert_false(decide_requests_whole(&scan, &diag));
    assert_int_equal(diag.rule, DECIDE_LIMINE_REQUEST_CUT);
    assert_string_equal(diag.message, "limine: the stack size request at 0xffffffff80003fd0 is cut off: its field "
                                      "at +48 lies past the end of the kernel image; a request must lie wholly "
                                      "inside its segment");
    assert_false(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    assert_int_equal(diag.rule, DECIDE_LIMINE_REQUEST_CUT);
    scan.requests[0].backed = 56;
    assert_true(decide_requests_whole(&scan, &diag));
    assert_true(decide_request_field(&scan.requests[0], 48, &value, &diag));
    assert_false(decide_request_field(&scan.requests[0], 49, &value, &diag));
    assert_false(decide_request_field(&scan.requests[0], UINT64_MAX - 2, &value, &diag));
    one_request(&scan, LSCAN_MODULE, req, 1); /* revision 1 reads two fields: 64 bytes */
    scan.requests[0].backed = 56;
    assert_false(decide_requests_whole(&scan, &diag));
    scan.requests[0].revision = 0; /* revision 0: the header only */
    assert_true(decide_requests_whole(&scan, &diag));
}

static void test_limine_paging_mode_and_entry_point(void **state)
{
    struct lscan_result scan;
    struct elf_plan plan = { .entry = 0xffffffff80001000ULL, .count = 1 };
    struct decide_diag diag;
    uint8_t req[80] = { 0 };
    uint64_t stack, entry, v = 1;
    (void)state;

    plan.segments[0] = (struct elf_segment){ .vaddr = 0xffffffff80000000ULL, .memsz = 0x2000, .flags = ELF_PF_R | ELF_PF_X };
    memcpy(req + 64, &v, sizeof v); /* min_mode = 5-level, read only from request revision 1 */
    one_request(&scan, LSCAN_PAGING_MODE, req, 0);
    assert_true(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    scan.requests[0].revision = 1;
    assert_false(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    assert_int_equal(diag.rule, DECIDE_LIMINE_PAGING_MODE);
    v = 0xffffffff80001800ULL;
    memcpy(req + 48, &v, sizeof v);
    one_request(&scan, LSCAN_ENTRY_POINT, req, 0);
    assert_true(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    assert_int_equal(entry, v);
    v = 0xffffffff80002000ULL; /* one past the code */
    memcpy(req + 48, &v, sizeof v);
    assert_false(decide_limine_boot_requests(&scan, &plan, &stack, &entry, &diag));
    assert_int_equal(diag.rule, DECIDE_LIMINE_ENTRY_POINT);
    assert_string_equal(diag.rule_name, "limine-entry-point-not-code");
}

static void test_pin(void **state)
{
    uint8_t digest[SHA256_DIGEST_SIZE], want[SHA256_DIGEST_SIZE];
    char hex[SHA256_HEX_SIZE];
    struct decide_diag diag;
    (void)state;

    memset(digest, 0xab, sizeof digest);
    memcpy(want, digest, sizeof want);
    assert_true(decide_pin("kernel \\kernel.elf", digest, want, hex, &diag));
    assert_int_equal(strlen(hex), 64);
    assert_memory_equal(hex, "abababab", 8);
    want[31] ^= 1;
    assert_false(decide_pin("kernel \\kernel.elf", digest, want, hex, &diag));
    assert_int_equal(diag.rule, DECIDE_PIN_MISMATCH);
    assert_non_null(strstr(diag.message, "kernel \\kernel.elf SHA-256 mismatch: file has abab"));
    assert_non_null(strstr(diag.message, "ember.cfg pins abab"));
    assert_non_null(strstr(diag.message, "abaa"));
}

static void test_scan_segments_point_into_their_regions(void **state)
{
    struct elf_plan p = two_regions(0xffffffff80000000ULL);
    uint8_t a[0x2000], b[0x1000], *base[2] = { a, b };
    struct lscan_segment segs[3];
    (void)state;

    p.count = 3; /* region 0 holds segments 0 and 1, region 1 segment 2 */
    p.segments[0] = (struct elf_segment){ .vaddr = 0xffffffff80000000ULL, .filesz = 0x800, .memsz = 0x800 };
    p.segments[1] = (struct elf_segment){ .vaddr = 0xffffffff80001100ULL, .filesz = 0x10, .memsz = 0x900 };
    p.segments[2] = (struct elf_segment){ .vaddr = 0xffffffff80003040ULL, .filesz = 0, .memsz = 0x100 };
    p.regions[0].first = 0, p.regions[0].count = 2, p.regions[1].first = 2, p.regions[1].count = 1;
    assert_int_equal(decide_scan_segments(&p, base, segs), 3);
    assert_ptr_equal(segs[0].data, a);
    assert_ptr_equal(segs[1].data, a + 0x1100);
    assert_int_equal(segs[1].filesz, 0x10);
    assert_int_equal(segs[1].memsz, 0x900);
    assert_ptr_equal(segs[2].data, b + 0x40);
    assert_int_equal(segs[2].vaddr, 0xffffffff80003040ULL);
}

static void test_limine_revision(void **state)
{
    struct lscan_result scan = { .has_tag = false, .revision = 2 };
    (void)state;

    assert_int_equal(decide_limine_revision(&scan), 0); /* no tag: revision 0, whatever the field says */
    scan.has_tag = true;
    assert_int_equal(decide_limine_revision(&scan), 2);
    scan.revision = LIMINE_REVISION_NEWEST + 1;
    assert_int_equal(decide_limine_revision(&scan), LIMINE_REVISION_NEWEST);
}

static void test_rule_names_are_distinct(void **state)
{
    (void)state;
    for (int i = 0; i < DECIDE_RULE_COUNT; i++)
        for (int j = 0; j < i; j++)
            assert_string_not_equal(decide_rule_name(i), decide_rule_name(j));
    assert_string_equal(decide_rule_name(DECIDE_RULE_COUNT), "unknown");
}

/* randomise_hhdm_base: Limine's 1 GiB steps below 2^45 above the fixed base; never over the top
 * GiB of ember's window (the trampoline aliases); the fixed base when off or when memory fills the
 * window. */
static void test_hhdm_offset(void **state)
{
    struct ember_config cfg;
    const uint64_t gib = 1ULL << 30, window = EMBER_HHDM_MAX_SIZE;
    (void)state;

    config_with(&cfg, PROTOCOL_LIMINE);
    assert_int_equal(decide_hhdm_offset(&cfg, 0x123456789abcdefULL, 4 * gib), EMBER_HHDM_OFFSET);
    cfg.randomise_hhdm = true;
    assert_int_equal(decide_hhdm_offset(&cfg, 0, 4 * gib), EMBER_HHDM_OFFSET);
    assert_int_equal(decide_hhdm_offset(&cfg, 5 * gib + 12345, 4 * gib), EMBER_HHDM_OFFSET + 5 * gib);
    assert_int_equal(decide_hhdm_offset(&cfg, UINT64_MAX, 4 * gib), EMBER_HHDM_OFFSET + (1ULL << 45) - gib);
    for (uint64_t r = 0x9e3779b97f4a7c15ULL, i = 0; i < 1000; i++, r = r * 6364136223846793005ULL + 1442695040888963407ULL) {
        uint64_t off = decide_hhdm_offset(&cfg, r, 4 * gib);
        assert_true(off >= EMBER_HHDM_OFFSET && off % gib == 0 && off - EMBER_HHDM_OFFSET < (1ULL << 45));
    }
    /* 40 TiB of memory: the draw is brought down so that the map ends a GiB below the window's top */
    uint64_t big = 40ULL << 40, off = decide_hhdm_offset(&cfg, UINT64_MAX, big);
    assert_true(off % gib == 0 && off + big <= EMBER_HHDM_OFFSET + window - gib);
    assert_true(off + big + gib > EMBER_HHDM_OFFSET + window - gib);
    assert_int_equal(decide_hhdm_offset(&cfg, UINT64_MAX, window), EMBER_HHDM_OFFSET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_options_per_protocol),
        cmocka_unit_test(test_relocatable_auto_is_slid_to_the_limine_floor),
        cmocka_unit_test(test_kaslr_slide_is_random_within_the_top_2_gib),
        cmocka_unit_test(test_exec_plan_is_left_alone),
        cmocka_unit_test(test_elf_failure_line_names_path_and_rule),
        cmocka_unit_test(test_every_elf_rule_has_a_hint),
        cmocka_unit_test(test_every_scan_and_reloc_rule_has_a_hint),
        cmocka_unit_test(test_blake2b_pin),
        cmocka_unit_test(test_protocol_choice),
        cmocka_unit_test(test_ember_refuses_relocatable),
        cmocka_unit_test(test_limine_layout),
        cmocka_unit_test(test_limine_stack_size_request),
        cmocka_unit_test(test_limine_paging_mode_and_entry_point),
        cmocka_unit_test(test_request_cut_off_by_the_image_end),
        cmocka_unit_test(test_pin),
        cmocka_unit_test(test_scan_segments_point_into_their_regions),
        cmocka_unit_test(test_limine_revision),
        cmocka_unit_test(test_rule_names_are_distinct),
        cmocka_unit_test(test_hhdm_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
