/* The boot menu a limine.conf asks for, on the firmware console (which OVMF mirrors to COM1):
 * Up/Down or k/j move, Enter boots or opens a directory, any key stops the countdown. */
#include "core/fmt.h"
#include "core/lmenu.h"
#include "uefi/boot.h"
#include "uefi/log.h"

#define POLL_US 50000 /* between looks at the keyboard: fast enough to feel immediate */
#define MS_PER_S 1000

/* The key as the menu model knows it: arrows from the console or OVMF's serial terminal, vi's j/k
 * for terminals whose arrows do not come through, Enter. */
static enum lmenu_key menu_key(const EFI_INPUT_KEY *key)
{
    if (key->ScanCode == SCAN_UP || key->UnicodeChar == L'k')
        return LMENU_KEY_UP;
    if (key->ScanCode == SCAN_DOWN || key->UnicodeChar == L'j')
        return LMENU_KEY_DOWN;
    if (key->UnicodeChar == CHAR_CARRIAGE_RETURN || key->UnicodeChar == CHAR_LINEFEED)
        return LMENU_KEY_ENTER;
    return LMENU_KEY_OTHER;
}

/* The whole menu again: title, rows, the last refusal (if any), the countdown (left_s 0: none). */
static void draw(const struct lmenu *m, const char *path, uint32_t left_s, const char *message)
{
    char line[160];

    uefi_call_wrapper(ST->ConOut->ClearScreen, 1, ST->ConOut);
    fmt_format(line, sizeof line, "ember: %s (Up/Down or k/j, Enter; a key stops the countdown)\n", path);
    log_print(line);
    for (unsigned r = 0; r < m->row_count; r++) {
        lmenu_row_text(m, r, line, sizeof line - 1);
        log_print(line);
        log_print("\n");
    }
    if (message[0] != '\0') {
        log_print(message);
        log_print("\n");
    }
    if (left_s != 0) {
        fmt_format(line, sizeof line, "ember: booting '%s' in %u s\n",
                   lconf_text(m->c, m->c->entries[m->rows[m->cursor]].name), left_s);
        log_print(line);
    }
}

const struct lconf_entry *menu_choose(const struct lconf *lc, const char *path, const struct lconf_entry *dflt,
                                      const char *message)
{
    struct lmenu m;
    uint32_t timeout = lmenu_timeout_ms(lc), left_ms = timeout;
    bool counting = timeout != LMENU_WAIT && message[0] == '\0';

    lmenu_init(&m, lc, dflt);
    draw(&m, path, counting ? (left_ms + MS_PER_S - 1) / MS_PER_S : 0, message);
    for (;;) {
        EFI_INPUT_KEY key;
        if (!EFI_ERROR(uefi_call_wrapper(ST->ConIn->ReadKeyStroke, 2, ST->ConIn, &key))) {
            const struct lconf_entry *e = lmenu_key(&m, menu_key(&key));
            counting = false;
            if (e != NULL)
                return e;
            draw(&m, path, 0, message);
            continue;
        }
        uefi_call_wrapper(BS->Stall, 1, POLL_US);
        if (!counting)
            continue;
        uint32_t before_s = (left_ms + MS_PER_S - 1) / MS_PER_S;
        left_ms = left_ms > POLL_US / 1000 ? left_ms - POLL_US / 1000 : 0;
        if (left_ms == 0)
            return &lc->entries[m.rows[m.cursor]];
        if ((left_ms + MS_PER_S - 1) / MS_PER_S != before_s)
            draw(&m, path, (left_ms + MS_PER_S - 1) / MS_PER_S, message);
    }
}
