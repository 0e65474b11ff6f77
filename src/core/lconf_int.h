/* Pure, private to src/core/lconf*.c: the diagnostics helpers the three parts of the parser share. */
#ifndef EMBER_LCONF_INT_H
#define EMBER_LCONF_INT_H

#include "core/lconf.h"
#include "core/fmt.h" /* also brings stdarg.h */
#include "core/config_text.h"

/* Records code, line and "limine.conf:LINE: <message>" ("limine.conf: " when line is 0) in d;
 * returns code. */
enum lconf_error lconf_fail(struct lconf_diag *d, enum lconf_error code, unsigned line,
                            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
enum lconf_error lconf_vfail(struct lconf_diag *d, enum lconf_error code, unsigned line,
                             const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

/* The success state of a diag: LCONF_OK, line 0, "". */
static inline void lconf_diag_clear(struct lconf_diag *d)
{
    d->code = LCONF_OK;
    d->line = 0;
    d->message[0] = '\0';
}

/* r as a slice (empty when absent). */
static inline struct slice lconf_slice(const struct lconf *c, struct lconf_ref r)
{
    const char *p = lconf_text(c, r);
    size_t n = 0;

    if (p == NULL)
        return (struct slice){ "", 0 };
    while (p[n] != '\0')
        n++;
    return (struct slice){ p, n };
}

/* The state of one lconf_parse run (lconf.c), shared with the option handlers (lconf_keys.c). */
struct macro {
    struct slice name, value; /* borrowed from the input */
};

struct lparser {
    struct lconf *c;
    struct lconf_diag *diag;
    unsigned line;                 /* 1-based number of the line being parsed */
    int current;                   /* entry the options belong to, -1 before the first */
    bool top_seen;                 /* a top-level /entry has been seen */
    uint32_t globals_seen;         /* bit i: global_names[i] already given */
    unsigned macro_count;
    struct macro macros[LCONF_MAX_MACROS];
    char buf[LCONF_LINE_MAX];      /* the line being parsed, macros expanded */
};

/* lconf_fail at the line being parsed. */
enum lconf_error lconf_pfail(struct lparser *ps, enum lconf_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies s with a NUL into the arena and points *ref at it; '\r' bytes are dropped, as Limine
 * drops them everywhere. Fails (too-long) when the arena is full. */
enum lconf_error lconf_keep(struct lparser *ps, struct slice s, struct lconf_ref *ref);

/* Counts a note and keeps the first LCONF_MAX_NOTES (key cut to QUOTE_MAX bytes). */
void lconf_note(struct lparser *ps, enum lconf_note_kind kind, struct slice key);

/* An option line (expanded, not an entry, comment or macro definition): applies it to the current
 * entry or the globals, or notes why Limine ignores it. */
enum lconf_error lconf_parse_option(struct lparser *ps, struct slice line);

#endif
