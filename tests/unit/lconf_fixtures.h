/* Parse-and-expect helpers for the limine.conf parser's tests (host only, libc allowed). */
#ifndef EMBER_TESTS_LCONF_FIXTURES_H
#define EMBER_TESTS_LCONF_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lconf.h"

static struct lconf lc;
static struct lconf_diag ldiag;
static struct lconf_pick lpick;
static struct ember_config lcfg;
static struct lconf_boot lboot;

/* Parses exactly len bytes from a heap copy with nothing after it, so ASan catches any read past
 * len; the diag starts poisoned so a field the parser forgets shows up. */
static inline enum lconf_error lparse_bytes(const char *text, size_t len)
{
    char *copy = malloc(len > 0 ? len : 1);
    enum lconf_error err;

    assert_non_null(copy);
    memcpy(copy, text, len);
    memset(&ldiag, 0x55, sizeof ldiag);
    err = lconf_parse(copy, len, &lc, &ldiag);
    free(copy);
    assert_int_equal(ldiag.code, err);
    return err;
}

static inline void lexpect_ok(const char *text)
{
    assert_int_equal(lparse_bytes(text, strlen(text)), LCONF_OK);
    assert_int_equal(ldiag.line, 0);
    assert_string_equal(ldiag.message, "");
}

static inline void lexpect_error(const char *text, enum lconf_error code, unsigned line,
                                 const char *message)
{
    assert_int_equal(lparse_bytes(text, strlen(text)), code);
    assert_int_equal(ldiag.line, line);
    if (message != NULL)
        assert_string_equal(ldiag.message, message);
}

/* The kept string r ("(absent)" when absent, so string asserts can tell the two apart). */
static inline const char *T(struct lconf_ref r)
{
    const char *s = lconf_text(&lc, r);
    return s != NULL ? s : "(absent)";
}

/* The first entry titled name; fails the test when there is none. */
static inline const struct lconf_entry *entry_named(const char *name)
{
    unsigned i;

    for (i = 0; i < lc.entry_count; i++)
        if (strcmp(T(lc.entries[i].name), name) == 0)
            return &lc.entries[i];
    fail_msg("no entry '%s'", name);
    return NULL;
}

/* Title of the default entry of text (which must parse), or NULL with ldiag set. */
static inline const char *default_title(const char *text)
{
    const struct lconf_entry *e;

    lexpect_ok(text);
    memset(&lpick, 0x55, sizeof lpick);
    e = lconf_default_entry(&lc, &lpick, &ldiag);
    return e != NULL ? T(e->name) : NULL;
}

/* Parses text, picks its default entry and maps it over ember's defaults into lcfg / lboot. */
static inline enum lconf_error boot_text(const char *text)
{
    const struct lconf_entry *e;
    enum lconf_error err;

    lexpect_ok(text);
    e = lconf_default_entry(&lc, &lpick, &ldiag);
    assert_non_null(e);
    config_defaults(&lcfg);
    memset(&lboot, 0x55, sizeof lboot);
    memset(&ldiag, 0x55, sizeof ldiag);
    err = lconf_to_ember(&lc, e, &lcfg, &lboot, &ldiag);
    assert_int_equal(ldiag.code, err);
    return err;
}

/* boot_text, expecting failure with code on line and (unless NULL) message. */
static inline void boot_error(const char *text, enum lconf_error code, unsigned line,
                              const char *message)
{
    assert_int_equal(boot_text(text), code);
    assert_int_equal(ldiag.line, line);
    if (message != NULL)
        assert_string_equal(ldiag.message, message);
}

#endif
