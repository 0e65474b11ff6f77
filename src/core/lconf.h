/* Pure: parse Limine's limine.conf, find the entry Limine boots by default, map it onto ember.cfg's config. */
#ifndef EMBER_LCONF_H
#define EMBER_LCONF_H

#include "core/config.h"

/*
 * What the loader calls, in this order (issue 22: ember's BOOTX64.EFI copied over Limine's):
 *
 *  1. Only when the boot volume has no ember.cfg: look for limine.conf on the boot volume, first
 *     lconf_app_dir_path(<LoadedImage->FilePath as ASCII>) (falling back to LCONF_EFI_FALLBACK_PATH
 *     when it returns false), then each of lconf_search_paths[] in order; the first file that
 *     exists wins, as in Limine. Limine matches these names case-insensitively (FAT already does).
 *     None there: the boot drive's other partitions, first to last, each through
 *     lconf_search_paths[]; the partition holding the config becomes boot():.
 *  2. Refuse a file over LCONF_FILE_MAX_BYTES before reading it.
 *  3. config_defaults(&cfg); err = lconf_parse(text, len, &lc, &diag); on error log diag.message.
 *     struct lconf is large (~60 KiB): give it static storage, not the stack.
 *  4. Log each lc.notes[i] with lconf_note_format() (warn for LCONF_NOTE_UNKNOWN_KEY and
 *     LCONF_NOTE_MISPLACED, debug for the rest) and, when lc.note_count > LCONF_MAX_NOTES, how many
 *     more there were.
 *  5. e = lconf_default_entry(&lc, &pick, &diag); NULL: log diag.message and stop. Log which entry
 *     (pick.menu_index, its name) and, when pick.fell_back, that default_entry named nothing so the
 *     first row was taken, as Limine does. With a timeout (lmenu_timeout_ms) the menu
 *     (lmenu.h, uefi/menu.c) chooses instead.
 *  6. err = lconf_to_ember(&lc, e, &cfg, &boot, &diag); on error log diag.message and stop.
 *  7. Log what ember ignores: e->textmode_line / e->dtb_path_line (ignored on
 *     UEFI x86-64, as Limine ignores them). cfg carries the rest: kaslr and randomise_hhdm
 *     (decide_hhdm_offset), paths with their volumes (core/volume.h) and their BLAKE2b pins.
 */

#define LCONF_FILE_MAX_BYTES (64 * KIB)  /* limine.conf larger than this is refused */
#define LCONF_MAX_ENTRIES 64             /* menu entries and directories, all depths */
#define LCONF_MAX_MACROS 32              /* ${NAME}=value definitions (ARCH and FW_TYPE built in) */
#define LCONF_MAX_NOTES 16               /* notes kept; note_count goes on counting */
#define LCONF_LINE_MAX 4096              /* bytes of a line after macro expansion */
#define LCONF_ARENA_BYTES (32 * KIB)     /* every string kept, NUL-terminated */
#define LCONF_NAME_LINE_MAX 63           /* Limine reads an entry line's first 63 bytes (slashes too) */
#define LCONF_HASH_MAX 256               /* hex digits of a path's #hash (BLAKE3 64/256, BLAKE2b 128) */
#define LCONF_EFI_FALLBACK_PATH "/EFI/BOOT/limine.conf"
#define LCONF_SEARCH_PATH_COUNT 4

/* After the directory of the running EFI executable (step 1 above), the names Limine tries on a
 * volume, in its order (CONFIG.md "Location of the config file"). */
extern const char *const lconf_search_paths[LCONF_SEARCH_PATH_COUNT];

/* A string kept in struct lconf's arena: off 0 means absent; an empty value has its own NUL. */
struct lconf_ref {
    uint32_t off;
};

/* on/off keys that Limine defaults differently when absent. */
enum lconf_switch { LCONF_UNSET = 0, LCONF_NO, LCONF_YES };

struct lconf_module {
    struct lconf_ref path;     /* module_path: as written (macros expanded) */
    struct lconf_ref string;   /* first module_string after it, before the next module_path */
    struct lconf_ref cmdline;  /* first module_cmdline in the same span (used when string is absent) */
    unsigned line;             /* line of the module_path */
};

struct lconf_entry {
    struct lconf_ref name;     /* title as the menu shows it ('+' and leading spaces dropped) */
    unsigned line;             /* line of its /Name */
    unsigned depth;            /* 1 for /Name, 2 for //Name, ... */
    int parent;                /* index in lconf.entries, -1 at the top */
    bool expanded;             /* a '+' after the slashes: the directory starts open */
    bool directory;            /* a sub-entry follows right after it: a menu folder, never booted */
    bool orphan;               /* a sub-entry before any top-level entry: not in Limine's menu */
    bool hidden;               /* Limine on UEFI x86-64 leaves it out of the menu: protocol bios,
                                * if_fw_type other than UEFI, or if_arch without x86-64 */
    struct lconf_ref comment, protocol, if_fw_type, if_arch;
    struct lconf_ref path, kernel_path;        /* Limine reads path first */
    struct lconf_ref cmdline, kernel_cmdline;  /* Limine reads kernel_cmdline first */
    unsigned protocol_line, path_line, kernel_path_line;
    unsigned module_total;     /* module_path lines, kept or not */
    unsigned module_count;     /* kept: the first EMBER_MAX_MODULES */
    struct lconf_module modules[EMBER_MAX_MODULES];
    struct lconf_ref kaslr;                    /* raw values: lconf_to_ember reads them */
    struct lconf_ref randomise_hhdm_base;      /* Limine reads it before randomize_hhdm_base */
    struct lconf_ref randomize_hhdm_base;
    struct lconf_ref paging_mode, max_paging_mode, min_paging_mode;
    unsigned kaslr_line, paging_line;          /* paging_line: the first paging key's line */
    struct lconf_ref resolution;               /* raw: lconf_to_ember reads WIDTHxHEIGHT[xBPP] */
    unsigned resolution_line, textmode_line, dtb_path_line; /* 0 = absent; textmode (BIOS only) and
                                                             * dtb_path are ignored on UEFI x86 */
};

/* Lines Limine ignores (so ember does too), kept for a warning or debug line. */
enum lconf_note_kind {
    LCONF_NOTE_UNKNOWN_KEY = 0,  /* neither a Limine option nor ours: Limine ignores it */
    LCONF_NOTE_IGNORED_KEY,      /* a Limine menu, terminal or other-protocol option */
    LCONF_NOTE_MISPLACED,        /* a global option in an entry, or an entry option before the
                                  * first entry: Limine does not read it there */
    LCONF_NOTE_DUPLICATE,        /* a single-valued option given again: Limine uses the first */
    LCONF_NOTE_NOT_AN_OPTION,    /* a line with no ':' that is no entry, macro or comment */
    LCONF_NOTE_STRAY_MODULE_STRING, /* module_string/module_cmdline before any module_path, or a
                                     * second one for the same module */
    LCONF_NOTE_ORPHAN_ENTRY,     /* see lconf_entry.orphan */
    LCONF_NOTE_UNDEFINED_MACRO,  /* ${NAME} never defined: Limine puts nothing in its place */
};

struct lconf_note {
    enum lconf_note_kind kind;
    unsigned line;
    struct lconf_ref key;        /* the option's name as written; for entries, the title */
};

struct lconf {
    bool timeout_set;            /* absent: Limine waits 5 s */
    bool timeout_never;          /* timeout: no - Limine waits at its menu for a key */
    uint32_t timeout_ms;         /* Limine's reading: digits[.digits], else 0; at most 9999 s */
    struct lconf_ref default_entry; /* raw: a 1-based row number or an entry path */
    unsigned default_entry_line;
    bool quiet, serial, verbose, remember_last_entry;
    bool hash_mismatch_warns;    /* hash_mismatch_panic: no - a hash mismatch is a warning */
    unsigned entry_count;
    struct lconf_entry entries[LCONF_MAX_ENTRIES];
    unsigned note_count;         /* every note, kept or not */
    struct lconf_note notes[LCONF_MAX_NOTES];
    uint32_t arena_used;
    char arena[LCONF_ARENA_BYTES];
};

enum lconf_error {
    LCONF_OK = 0,
    LCONF_ERR_SYNTAX,        /* a NUL byte, a ${ without }, an entry without a title, or a
                              * sub-entry more than one level below the entry before it */
    LCONF_ERR_BAD_VALUE,     /* a value Limine refuses at boot: paging mode, path form, hash */
    LCONF_ERR_TOO_LONG,      /* the file, a line, a macro, a value or a path over its bound */
    LCONF_ERR_TOO_MANY,      /* entries, macros or modules over ember's bound */
    LCONF_ERR_NO_ENTRY,      /* nothing bootable by default: no entry, or a directory */
    LCONF_ERR_PROTOCOL,      /* the entry's protocol is missing or is not limine */
    LCONF_ERR_NO_PATH,       /* the entry has neither path nor kernel_path */
    LCONF_ERR_UNSUPPORTED,   /* valid for Limine, not read by ember yet: another volume, gzip */
};

struct lconf_diag {
    enum lconf_error code;
    unsigned line;           /* 1-based line of the cause, 0 when no line is */
    char message[160];       /* "limine.conf:7: ..." */
};

/* Where lconf_default_entry's choice came from. */
struct lconf_pick {
    unsigned menu_index;     /* 1-based row in Limine's menu (directories count, see .c) */
    bool fell_back;          /* default_entry named no row: the first row, as Limine does */
};

/* What ember_config cannot hold, for the loader to log (step 7 above). */
struct lconf_boot {
    bool kaslr;                    /* kaslr: yes (Limine: exactly "yes") */
    bool randomise_hhdm_base;      /* yes/no (either case); absent: the kaslr value */
    unsigned max_paging_level;     /* 4 or 5, from paging_mode / max_paging_mode; 0 = not set */
    unsigned min_paging_level;     /* likewise from paging_mode / min_paging_mode */
    char kernel_hash[LCONF_HASH_MAX + 1];                  /* "" when the path had no #hash */
    char module_hash[EMBER_MAX_MODULES][LCONF_HASH_MAX + 1];
};

/* Parses text[0..len) (not NUL-terminated, LF or CRLF, optional UTF-8 BOM) into *out. diag may be
 * NULL. Stops at the first error: *out is then partly filled and must not be used. Errors only
 * where Limine panics or ember's bounds are passed; whatever Limine ignores becomes a note. */
enum lconf_error lconf_parse(const char *text, size_t len, struct lconf *out,
                             struct lconf_diag *diag);

/* The entry Limine boots when nobody touches the keyboard, or NULL with diag set (no entry, or a
 * directory - Limine then waits at its menu). pick and diag may be NULL. */
const struct lconf_entry *lconf_default_entry(const struct lconf *c, struct lconf_pick *pick,
                                              struct lconf_diag *diag);

/* The entry a path names ("Dir/Name", '\\' escaping the next byte, "#N" the Nth duplicate - as
 * default_entry and Limine's remembered entry write it), or NULL for none or a directory. */
const struct lconf_entry *lconf_find_entry(const struct lconf *c, const char *path, size_t len);

/* e's path as lconf_find_entry reads it (for remember_last_entry), into out[0..cap). False when it
 * does not fit or nests deeper than LCONF_PATH_DEPTH_MAX. */
#define LCONF_PATH_DEPTH_MAX 16
bool lconf_entry_path(const struct lconf *c, const struct lconf_entry *e, char *out, size_t cap);

/* Fills cfg (over the defaults already in it) from entry e of c: protocol limine, kernel path,
 * cmdline, modules. boot (required: ~4 KiB, the caller's) gets what cfg cannot hold. diag may be NULL. On error cfg
 * and boot may be partly filled; the caller must not use them. */
enum lconf_error lconf_to_ember(const struct lconf *c, const struct lconf_entry *e,
                                struct ember_config *cfg, struct lconf_boot *boot,
                                struct lconf_diag *diag);

/* The kept string r, or NULL when absent. Points into c. */
const char *lconf_text(const struct lconf *c, struct lconf_ref r);

/* Turns the running executable's path (ASCII, '\' or '/' separated, e.g. "\EFI\BOOT\BOOTX64.EFI")
 * into the limine.conf beside it ("/EFI/BOOT/limine.conf") in out[0..cap). False when it does not
 * fit or image_path is empty: use LCONF_EFI_FALLBACK_PATH then, as Limine does. */
bool lconf_app_dir_path(const char *image_path, char *out, size_t cap);

/* "limine.conf:LINE: 'key': why Limine and ember ignore it" in buf[0..cap). */
void lconf_note_format(const struct lconf *c, const struct lconf_note *n, char *buf, size_t cap);

const char *lconf_error_name(enum lconf_error err);

#endif
