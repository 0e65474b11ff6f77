/* Host tests of pipe_resolve_path (src/core/pipeline_proto.c): an internal module's path as Limine
 * resolves it, from the kernel's directory or the volume root, with '.' and '..' resolved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/pipeline.h"

static const char *resolve(const char *kernel, const char *path)
{
    static char out[64];
    size_t dir = 0;

    for (size_t i = 0; kernel[i] != '\0'; i++)
        if (kernel[i] == '/' || kernel[i] == '\\')
            dir = i + 1;
    return pipe_resolve_path(kernel, dir, path, out, sizeof out) ? out : "(too long)";
}

static void test_relative_to_the_kernels_directory(void **state)
{
    (void)state;
    assert_string_equal(resolve("/boot/kernel.elf", "test.elf"), "/boot/test.elf");
    assert_string_equal(resolve("\\kernel.elf", "probe-internal.bin"), "/probe-internal.bin");
    assert_string_equal(resolve("\\EFI\\os\\kernel", "mods/a.bin"), "/EFI/os/mods/a.bin");
}

/* Limine's own test kernel names "/boot/test.elf": absolute on the volume, not under /boot/boot. */
static void test_absolute_from_the_root(void **state)
{
    (void)state;
    assert_string_equal(resolve("/boot/kernel.elf", "/boot/test.elf"), "/boot/test.elf");
    assert_string_equal(resolve("/boot/kernel.elf", "\\x\\y"), "/x/y");
}

static void test_dots_resolved(void **state)
{
    (void)state;
    assert_string_equal(resolve("/boot/kernel.elf", "./limine.conf"), "/boot/limine.conf");
    assert_string_equal(resolve("/boot/kernel.elf", "../etc/./a//b"), "/etc/a/b");
    assert_string_equal(resolve("/boot/kernel.elf", "../../../a"), "/a"); /* never above the root */
    assert_string_equal(resolve("/boot/kernel.elf", "a/.."), "/boot");
    assert_string_equal(resolve("/kernel.elf", ".."), "/");
}

static void test_too_long_is_refused(void **state)
{
    char path[100];
    (void)state;
    memset(path, 'a', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    assert_string_equal(resolve("/boot/kernel.elf", path), "(too long)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relative_to_the_kernels_directory),
        cmocka_unit_test(test_absolute_from_the_root),
        cmocka_unit_test(test_dots_resolved),
        cmocka_unit_test(test_too_long_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
