/* Parse-and-expect helpers for the ember.cfg parser's tests (host only, libc allowed). */
#ifndef EMBER_TESTS_CONFIG_FIXTURES_H
#define EMBER_TESTS_CONFIG_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

static struct ember_config cfg;
static struct config_diag diag;

/* Parses exactly len bytes from a heap copy with nothing after it, so ASan catches any read past
 * len, over the defaults. */
static inline enum config_error parse_bytes(const char *text, size_t len)
{
    char *copy = malloc(len > 0 ? len : 1);
    enum config_error err;

    assert_non_null(copy);
    memcpy(copy, text, len);
    config_defaults(&cfg);
    memset(&diag, 0x55, sizeof diag);
    err = config_parse(copy, len, &cfg, &diag);
    free(copy);
    assert_int_equal(diag.code, err);
    return err;
}

static inline enum config_error parse_text(const char *text)
{
    return parse_bytes(text, strlen(text));
}

static inline void expect_ok(const char *text)
{
    assert_int_equal(parse_text(text), CONFIG_OK);
    assert_int_equal(diag.line, 0);
    assert_string_equal(diag.message, "");
}

static inline void expect_error(const char *text, enum config_error code, unsigned line,
                                const char *message)
{
    assert_int_equal(parse_text(text), code);
    assert_int_equal(diag.line, line);
    if (message != NULL)
        assert_string_equal(diag.message, message);
}

#endif
