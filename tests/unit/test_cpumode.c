/* Host tests of the paging-mode check over faked control-register values (arch/x86_64/cpumode.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "arch/x86_64/cpumode.h"

/* OVMF under QEMU, read at ember's entry. Literal values, so that a misnamed bit constant fails. */
#define OVMF_CR0 0x80010033ULL  /* PG, WP, NE, ET, MP, PE */
#define OVMF_CR4 0x00000668ULL  /* OSXMMEXCPT, OSFXSR, MCE, PAE, DE */
#define OVMF_EFER 0x00000D00ULL /* NXE, LMA, LME */
#define BIT(n) (1ULL << (n))

static const struct control_regs ovmf = { OVMF_CR0, OVMF_CR4, OVMF_EFER };

/* The state is refused and the reason names the bit (e.g. "CR4.LA57"). */
static void assert_refused_naming(const struct control_regs *regs, const char *bit)
{
    const char *why = arch_check_paging_mode(regs);

    assert_non_null(why);
    if (strstr(why, bit) == NULL)
        fail_msg("reason \"%s\" does not name %s", why, bit);
    assert_null(strchr(why, '\n')); /* one line */
}

static void test_ovmf_4_level_long_mode_state_is_accepted(void **state)
{
    (void)state;
    assert_null(arch_check_paging_mode(&ovmf));
}

static void test_bits_other_than_pg_pae_lma_la57_do_not_matter(void **state)
{
    struct control_regs regs = { ~0ULL, ~BIT(12), ~0ULL };

    (void)state;
    assert_null(arch_check_paging_mode(&regs));
    regs = (struct control_regs){ BIT(31), BIT(5), BIT(10) };
    assert_null(arch_check_paging_mode(&regs));
}

static void test_la57_set_is_refused_as_5_level_paging(void **state)
{
    struct control_regs regs = ovmf;

    (void)state;
    regs.cr4 |= BIT(12);
    assert_refused_naming(&regs, "CR4.LA57");
    assert_non_null(strstr(arch_check_paging_mode(&regs), "5-level"));
}

static void test_paging_off_is_refused_naming_cr0_pg(void **state)
{
    struct control_regs regs = ovmf;

    (void)state;
    regs.cr0 &= ~BIT(31);
    assert_refused_naming(&regs, "CR0.PG");
}

static void test_pae_clear_is_refused_naming_cr4_pae(void **state)
{
    struct control_regs regs = ovmf;

    (void)state;
    regs.cr4 &= ~BIT(5);
    assert_refused_naming(&regs, "CR4.PAE");
}

static void test_long_mode_inactive_is_refused_naming_efer_lma(void **state)
{
    struct control_regs regs = ovmf;

    (void)state;
    regs.efer &= ~BIT(10);
    assert_refused_naming(&regs, "EFER.LMA");
    regs.efer = BIT(8) | BIT(11); /* LME alone is not enough: LMA says long mode is active */
    assert_refused_naming(&regs, "EFER.LMA");
}

static void test_all_clear_state_is_refused_on_the_first_check(void **state)
{
    struct control_regs regs = { 0, BIT(12), 0 };

    (void)state;
    assert_refused_naming(&regs, "CR0.PG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ovmf_4_level_long_mode_state_is_accepted),
        cmocka_unit_test(test_bits_other_than_pg_pae_lma_la57_do_not_matter),
        cmocka_unit_test(test_la57_set_is_refused_as_5_level_paging),
        cmocka_unit_test(test_paging_off_is_refused_naming_cr0_pg),
        cmocka_unit_test(test_pae_clear_is_refused_naming_cr4_pae),
        cmocka_unit_test(test_long_mode_inactive_is_refused_naming_efer_lma),
        cmocka_unit_test(test_all_clear_state_is_refused_on_the_first_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
