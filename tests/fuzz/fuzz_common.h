/* Shared by the libFuzzer harnesses: the seed-only mode and the invariant check. */
#ifndef EMBER_FUZZ_COMMON_H
#define EMBER_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The harness's name in invariant messages; each harness defines it before including this. */
#ifndef FUZZ_NAME
#error "define FUZZ_NAME before including fuzz_common.h"
#endif

/* FUZZ_EXPECT_OK=1 (the seed-only run): every input must be accepted. */
static bool expect_ok;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *env = getenv("FUZZ_EXPECT_OK");

    (void)argc;
    (void)argv;
    expect_ok = env != NULL && strcmp(env, "1") == 0;
    return 0;
}

/* Aborts the run (a libFuzzer finding) with the broken invariant named on stderr. */
static void check(bool ok, const char *invariant)
{
    if (!ok) {
        fprintf(stderr, FUZZ_NAME ": invariant violated: %s\n", invariant);
        __builtin_trap();
    }
}

#endif
