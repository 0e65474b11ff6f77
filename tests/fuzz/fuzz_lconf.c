/* libFuzzer harness: any input as limine.conf through lconf_parse, lconf_default_entry, lconf_to_ember. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lconf.h"
#include "core/volume.h"

#define POISON 0xa5 /* fills outputs first, so a field the code forgets to write shows up */
#define TIMEOUT_MAX_MS 9999000u

#define FUZZ_NAME "fuzz_lconf"
#include "fuzz_common.h"

static struct lconf lc, again;
static struct ember_config cfg;
static struct lconf_boot boot;

/* A bool object holds 0 or 1 (read as a byte: loading any other value as bool is UB). */
static bool bool_byte_ok(const bool *b)
{
    uint8_t byte;

    memcpy(&byte, b, 1);
    return byte <= 1;
}

/* r is absent, or a NUL-terminated string inside the used arena without '\n'. */
static void check_ref(struct lconf_ref r, const char *what)
{
    const char *s;

    check(r.off < lc.arena_used, what);
    s = lconf_text(&lc, r);
    if (s == NULL)
        return;
    check(memchr(s, '\0', lc.arena_used - r.off) != NULL, what);
    check(strchr(s, '\n') == NULL && strchr(s, '\r') == NULL, what);
}

/* The tree is the one Limine's menu builds: parents above, one level up, and directories are
 * exactly the entries followed by a child. */
static void check_entry(unsigned i)
{
    const struct lconf_entry *e = &lc.entries[i];
    const char *name = lconf_text(&lc, e->name);
    unsigned m;

    check(name != NULL && name[0] != '\0' && strlen(name) < LCONF_NAME_LINE_MAX,
          "entry title present, non-empty, within Limine's 63 bytes");
    check(e->depth >= 1 && e->depth < LCONF_NAME_LINE_MAX, "entry depth in 1..62");
    check(e->parent < (int)i, "parent comes before its child");
    check(e->parent < 0 || lc.entries[e->parent].depth + 1 == e->depth,
          "parent is one level up");
    check(e->parent >= 0 || e->depth == 1 || e->orphan, "deeper entries have a parent");
    check(!e->orphan || e->parent < 0, "orphans have no parent");
    check(e->directory == (i + 1 < lc.entry_count && lc.entries[i + 1].parent == (int)i),
          "a directory is an entry whose next entry is its child");
    check(!(e->hidden && e->directory), "directories are never hidden");
    check(bool_byte_ok(&e->expanded) && bool_byte_ok(&e->directory) && bool_byte_ok(&e->orphan)
              && bool_byte_ok(&e->hidden),
          "entry bools are 0 or 1");
    check(e->module_count <= EMBER_MAX_MODULES && e->module_count <= e->module_total,
          "module_count <= 16 and <= module_total");
    check(e->module_total <= EMBER_MAX_MODULES || e->module_count == EMBER_MAX_MODULES,
          "the first 16 modules are kept");
    check_ref(e->comment, "comment");
    check_ref(e->protocol, "protocol");
    check_ref(e->path, "path");
    check_ref(e->kernel_path, "kernel_path");
    check_ref(e->cmdline, "cmdline");
    check_ref(e->kernel_cmdline, "kernel_cmdline");
    for (m = 0; m < e->module_count; m++) {
        check(e->modules[m].path.off != 0, "a kept module has its path");
        check_ref(e->modules[m].path, "module path");
        check_ref(e->modules[m].string, "module string");
        check_ref(e->modules[m].cmdline, "module cmdline");
    }
}

static void check_parsed(void)
{
    unsigned i;

    check(lc.arena_used <= LCONF_ARENA_BYTES, "arena within bounds");
    check(lc.entry_count <= LCONF_MAX_ENTRIES, "entry_count within bounds");
    check(lc.timeout_ms <= TIMEOUT_MAX_MS, "timeout at most 9999 s");
    check(!lc.timeout_never || lc.timeout_set, "timeout: no is a set timeout");
    check(bool_byte_ok(&lc.quiet) && bool_byte_ok(&lc.serial) && bool_byte_ok(&lc.verbose)
              && bool_byte_ok(&lc.remember_last_entry),
          "global bools are 0 or 1");
    check_ref(lc.default_entry, "default_entry");
    for (i = 0; i < lc.entry_count; i++)
        check_entry(i);
    for (i = 0; i < lc.note_count && i < LCONF_MAX_NOTES; i++) {
        check(lc.notes[i].kind <= LCONF_NOTE_UNDEFINED_MACRO, "note kind known");
        check(lc.notes[i].line >= 1, "note has a line");
    }
}

/* On error: a named code, a line within the input, and "limine.conf:..." printable and
 * NUL-terminated. On success: line 0 and "". */
static void check_diag(enum lconf_error err, const struct lconf_diag *d, unsigned lines)
{
    size_t len = strnlen(d->message, sizeof d->message), i;

    check(d->code == err, "diag.code is the returned code");
    check(len < sizeof d->message, "diag.message is NUL-terminated");
    if (err == LCONF_OK) {
        check(d->line == 0 && len == 0, "diag is line 0 and empty on success");
        return;
    }
    check(strcmp(lconf_error_name(err), "unknown") != 0, "error code has a name");
    check(d->line <= lines, "diag.line within the input");
    check(strncmp(d->message, "limine.conf:", 12) == 0 && len > 14, "diag.message prefixed");
    for (i = 0; i < len; i++)
        check(d->message[i] >= ' ' && d->message[i] <= '~', "diag.message is printable");
}

/* "/dir/file", or "resource(argument):/dir/file" as core/volume.h reads it, with no "//". */
static bool path_clean(const char *path)
{
    struct volume_ref ref;
    const char *rest, *why;

    return volume_split(path, &ref, &rest, &why) && rest[0] == '/' && strstr(rest, "//") == NULL &&
           (ref.kind != VOLUME_BOOT || rest == path);
}

/* The default entry is a listed, bootable row; what it maps to is an absolute ember path. */
static void check_default(unsigned lines)
{
    struct lconf_diag d;
    struct lconf_pick pick;
    const struct lconf_entry *e;
    enum lconf_error err;
    unsigned i;

    memset(&d, POISON, sizeof d);
    e = lconf_default_entry(&lc, &pick, &d);
    check_diag(e != NULL ? LCONF_OK : d.code, &d, lines);
    if (e == NULL) {
        check(d.code == LCONF_ERR_NO_ENTRY, "no default entry is no-entry");
        return;
    }
    check(!e->directory && !e->hidden && !e->orphan, "default entry is a listed non-directory");
    check(pick.menu_index >= 1 && pick.menu_index <= lc.entry_count, "menu_index in range");
    config_defaults(&cfg);
    memset(&boot, POISON, sizeof boot);
    memset(&d, POISON, sizeof d);
    err = lconf_to_ember(&lc, e, &cfg, &boot, &d);
    check_diag(err, &d, lines);
    if (err != LCONF_OK)
        return;
    check(strcmp(lconf_text(&lc, e->protocol), "limine") == 0 || strncmp(lconf_text(&lc, e->protocol), "multiboot", 9) == 0,
          "only protocols limine and multiboot* map");
    check(cfg.protocol == PROTOCOL_LIMINE || cfg.protocol == PROTOCOL_MULTIBOOT1 || cfg.protocol == PROTOCOL_MULTIBOOT2,
          "config protocol is limine or multiboot");
    check(path_clean(cfg.kernel), "kernel path absolute on its volume, clean");
    check(cfg.module_count <= EMBER_MAX_MODULES, "module_count within bounds");
    for (i = 0; i < cfg.module_count; i++)
        check(path_clean(cfg.modules[i].path) && strlen(boot.module_hash[i]) % 64 == 0,
              "module path absolute on its volume, hash 0/64/128/256 digits");
    check(strlen(boot.kernel_hash) % 64 == 0, "kernel hash 0/64/128/256 digits");
    check(boot.max_paging_level == 0 || boot.max_paging_level >= boot.min_paging_level,
          "paging bounds ordered");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lconf_diag diag;
    enum lconf_error err;
    unsigned lines = 1;
    size_t i;

    for (i = 0; i < size; i++)
        lines += data[i] == '\n';
    memset(&diag, POISON, sizeof diag);
    err = lconf_parse((const char *)data, size, &lc, &diag);
    check_diag(err, &diag, lines);
    check(lconf_parse((const char *)data, size, &again, NULL) == err,
          "a NULL diag changes nothing");
    if (err == LCONF_OK) {
        check_parsed();
        check_default(lines);
    }
    check(!expect_ok || err == LCONF_OK, "seed parses");
    return 0;
}
