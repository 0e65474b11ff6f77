/* Pure: Limine's boot menu as a model - the rows a limine.conf shows, which directories are open,
 * the cursor, and what a key does - for the loader's menu on the console and COM1 (src/uefi/menu.c). */
#ifndef EMBER_LMENU_H
#define EMBER_LMENU_H

#include "core/lconf.h"

enum lmenu_key { LMENU_KEY_UP, LMENU_KEY_DOWN, LMENU_KEY_ENTER, LMENU_KEY_OTHER };

struct lmenu {
    const struct lconf *c;
    bool open[LCONF_MAX_ENTRIES];     /* directories shown open */
    unsigned rows[LCONF_MAX_ENTRIES]; /* entry indexes of the rows shown, top to bottom */
    unsigned row_count;
    unsigned cursor;                  /* a row */
};

/* Rows as Limine's menu first shows them (directories with '+' open, and those on the way to the
 * default entry), the cursor on the default entry (dflt may be NULL: the first row). */
void lmenu_init(struct lmenu *m, const struct lconf *c, const struct lconf_entry *dflt);

/* Up/Down move the cursor (wrapping), Enter on a directory opens or closes it; returns the entry
 * Enter chose to boot, else NULL. */
const struct lconf_entry *lmenu_key(struct lmenu *m, enum lmenu_key k);

/* Row r as the menu prints it: "> " on the cursor's row, two spaces per depth, "[+] "/"[-] " for a
 * closed/open directory, then the title. */
void lmenu_row_text(const struct lmenu *m, unsigned r, char *buf, size_t cap);

/* How long the menu counts down before it boots the entry under the cursor: c's timeout, Limine's
 * 5 s when absent, LMENU_WAIT for `timeout: no` (wait for a key); 0 means no menu at all. */
#define LMENU_DEFAULT_TIMEOUT_MS 5000
#define LMENU_WAIT UINT32_MAX
uint32_t lmenu_timeout_ms(const struct lconf *c);

#endif
