/* limine.conf on the boot volume, read when there is no ember.cfg: a disk set up for Limine boots
 * its default entry with only BOOTX64.EFI replaced (the steps are lconf.h's, in its order). */
#include "core/fmt.h"
#include "core/lconf.h"
#include "core/lmenu.h"
#include "uefi/boot.h"
#include "uefi/file.h"
#include "uefi/log.h"

#define IMAGE_PATH_MAX 256
#define LCONF_PARTITIONS_MAX 32   /* the boot drive's partitions searched for limine.conf */

/* The limine.conf beside ember's own file (as Limine looks beside its own), or Limine's fallback
 * when the image's device path ends in no file path node. */
static void beside_image(EFI_HANDLE image, char *out, size_t cap)
{
    EFI_LOADED_IMAGE *loaded = NULL;
    char ascii[IMAGE_PATH_MAX];
    size_t n = 0;

    if (!EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &efi_loaded_image_guid, (void **)&loaded)) &&
        loaded->FilePath != NULL && DevicePathType(loaded->FilePath) == MEDIA_DEVICE_PATH &&
        DevicePathSubType(loaded->FilePath) == MEDIA_FILEPATH_DP) {
        const CHAR16 *name = ((FILEPATH_DEVICE_PATH *)loaded->FilePath)->PathName;
        for (; name[n] != 0 && n + 1 < sizeof ascii; n++)
            ascii[n] = name[n] < 0x80 ? (char)name[n] : '_';
    }
    ascii[n] = '\0';
    if (!lconf_app_dir_path(ascii, out, cap))
        fmt_format(out, cap, "%s", LCONF_EFI_FALLBACK_PATH);
}

/* Opens the first limine.conf of Limine's search paths under root (first, if given, before them).
 * EFI_NOT_FOUND when there is none. */
static EFI_STATUS open_in(EFI_FILE_HANDLE root, const char *first, struct file *f)
{
    EFI_STATUS status = first != NULL ? file_open(root, first, true, f) : EFI_NOT_FOUND;

    for (unsigned i = 0; status == EFI_NOT_FOUND && i < LCONF_SEARCH_PATH_COUNT; i++)
        status = file_open(root, lconf_search_paths[i], true, f);
    return status;
}

/* Opens the first limine.conf in Limine's order: the boot volume (beside the executable first),
 * then the boot drive's other partitions, first to last. A config found on another partition
 * makes that partition the boot volume - boot(): is the partition holding the config. */
static EFI_STATUS open_first(struct boot *b, struct file *f)
{
    char first[CONFIG_PATH_MAX];
    uint32_t parts[LCONF_PARTITIONS_MAX];
    unsigned count;
    EFI_STATUS status;

    beside_image(b->image, first, sizeof first);
    status = open_in(b->root, first, f);
    if (status != EFI_NOT_FOUND)
        return status;
    count = volume_boot_drive_partitions(b, parts, LCONF_PARTITIONS_MAX);
    for (unsigned i = 0; i < count && status == EFI_NOT_FOUND; i++) {
        EFI_FILE_HANDLE root;
        struct volume_where where;
        if (EFI_ERROR(volume_open_boot_partition(b, parts[i], &root, &where)))
            continue;
        status = open_in(root, NULL, f);
        if (EFI_ERROR(status)) { /* none there, or an error that ends the search */
            file_close_root(root);
            continue;
        }
        log_info("no limine.conf on the boot volume: %s on partition %u of the boot drive, which boot(): "
                 "names from now on (as in Limine)", f->path, (unsigned)parts[i]);
        file_close_root(b->root);
        b->root = root;
        b->boot_where = where;
        b->boot_where_known = true;
    }
    return status;
}

/* Logs the notes (what Limine and ember ignore) and what ember does not do yet for this entry. */
static void log_unread(const struct lconf *lc, const struct lconf_entry *e, const struct ember_config *cfg)
{
    char line[192];

    for (unsigned i = 0; i < lc->note_count && i < LCONF_MAX_NOTES; i++) {
        bool loud = lc->notes[i].kind == LCONF_NOTE_UNKNOWN_KEY || lc->notes[i].kind == LCONF_NOTE_MISPLACED;
        lconf_note_format(lc, &lc->notes[i], line, sizeof line);
        if (loud)
            log_warn("%s", line);
        else
            log_debug("%s", line);
    }
    if (lc->note_count > LCONF_MAX_NOTES)
        log_warn("limine.conf: %u more notes not shown", lc->note_count - LCONF_MAX_NOTES);
    if (e->textmode_line || e->dtb_path_line)
        log_info("limine.conf: textmode/dtb_path ignored on UEFI x86-64, as Limine ignores them");
    if (e->resolution_line != 0 && cfg->fb_width == 0)
        log_warn("limine.conf:%u: resolution '%s' is not WIDTHxHEIGHT[xBPP]: the firmware's mode stays",
                 e->resolution_line, lconf_text(lc, e->resolution));
}

/* remember_last_entry: Limine's variable, so that a choice made under Limine carries over. */
static EFI_GUID limine_vendor_guid = { 0x513ee0d0, 0x6e43, 0xcb05, { 0xb2, 0x72, 0xf1, 0x46, 0xa2, 0xfc, 0xb8, 0x8a } };
#define LAST_ENTRY_VARIABLE L"LimineLastBootedEntry"
#define LAST_ENTRY_ATTRIBUTES (EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)
#define ENTRY_PATH_MAX 256

/* The entry Limine's LimineLastBootedEntry names, when remember_last_entry: yes and it names one. */
static const struct lconf_entry *remembered_entry(const struct lconf *lc)
{
    char path[ENTRY_PATH_MAX];
    UINTN size = sizeof path - 1;
    const struct lconf_entry *e;
    EFI_STATUS status;

    if (!lc->remember_last_entry)
        return NULL;
    status = uefi_call_wrapper(ST->RuntimeServices->GetVariable, 5, LAST_ENTRY_VARIABLE, &limine_vendor_guid, NULL,
                               &size, path);
    if (EFI_ERROR(status)) {
        if (status != EFI_NOT_FOUND)
            log_warn("remember_last_entry: cannot read LimineLastBootedEntry: %s", efi_status_name(status));
        return NULL;
    }
    while (size > 0 && path[size - 1] == '\0')
        size--;
    path[size] = '\0';
    e = lconf_find_entry(lc, path, size);
    log_info("remember_last_entry: '%s' was booted last%s", path, e != NULL ? "" : ", and names no entry now");
    return e;
}

/* Stores e as the last booted entry (remember_last_entry: yes), as Limine does when it boots one. */
static void remember_entry(const struct lconf *lc, const struct lconf_entry *e)
{
    char path[ENTRY_PATH_MAX];
    EFI_STATUS status;
    size_t n = 0;

    if (!lc->remember_last_entry)
        return;
    if (!lconf_entry_path(lc, e, path, sizeof path)) {
        log_warn("remember_last_entry: the entry's path is over %u bytes: not remembered", ENTRY_PATH_MAX - 1);
        return;
    }
    while (path[n] != '\0')
        n++;
    status = uefi_call_wrapper(ST->RuntimeServices->SetVariable, 5, LAST_ENTRY_VARIABLE, &limine_vendor_guid,
                               (UINT32)LAST_ENTRY_ATTRIBUTES, (UINTN)(n + 1), path);
    if (EFI_ERROR(status))
        log_warn("remember_last_entry: cannot store LimineLastBootedEntry: %s", efi_status_name(status));
}

/* Parses text as limine.conf and fills b->config from the entry chosen: the default one, through
 * the menu when its timeout asks for one (a choice ember cannot boot is said there, and the menu
 * comes back), else at once. */
static EFI_STATUS apply(struct boot *b, const char *path, const char *text, size_t len, struct lconf *lc)
{
    struct lconf_diag diag;
    struct lconf_pick pick = { 0, false };
    struct lconf_boot boot;
    const struct lconf_entry *e;
    bool menu;

    if (lconf_parse(text, len, lc, &diag) != LCONF_OK ||
        ((e = remembered_entry(lc)) == NULL && (e = lconf_default_entry(lc, &pick, &diag)) == NULL)) {
        log_error("%s (%s)", diag.message, path);
        return EFI_INVALID_PARAMETER;
    }
    menu = lmenu_timeout_ms(lc) != 0;
    diag.message[0] = '\0';
    for (;;) {
        if (menu)
            e = menu_choose(lc, path, e, diag.message);
        config_defaults(&b->config);
        if (lconf_to_ember(lc, e, &b->config, &boot, &diag) == LCONF_OK)
            break;
        if (!menu) {
            log_error("%s (%s)", diag.message, path);
            return EFI_INVALID_PARAMETER;
        }
    }
    log_unread(lc, e, &b->config);
    remember_entry(lc, e);
    log_info("no ember.cfg: %s, entry '%s'%s%s: kernel %s, %u module(s), cmdline \"%s\"", path,
             lconf_text(lc, e->name), menu ? " (from the menu)" : "",
             pick.fell_back ? " (default_entry names no entry: the first, as Limine)" : "",
             b->config.kernel, b->config.module_count, b->config.cmdline);
    return EFI_SUCCESS;
}

EFI_STATUS limine_conf_read(struct boot *b, bool *found)
{
    struct file f;
    char *text = NULL;
    struct lconf *lc = NULL;
    EFI_STATUS status = open_first(b, &f);

    *found = status != EFI_NOT_FOUND;
    if (status == EFI_NOT_FOUND || EFI_ERROR(status))
        return status == EFI_NOT_FOUND ? EFI_SUCCESS : status;
    if (f.size > LCONF_FILE_MAX_BYTES) {
        log_error("%s is %llu bytes, more than %llu: trim it", f.path, (unsigned long long)f.size,
                  (unsigned long long)LCONF_FILE_MAX_BYTES);
        status = EFI_BAD_BUFFER_SIZE;
    }
    if (!EFI_ERROR(status))
        status = mem_alloc_pool(f.size + 1, (void **)&text);
    if (!EFI_ERROR(status))
        status = mem_alloc_pool(sizeof *lc, (void **)&lc);
    if (!EFI_ERROR(status))
        status = file_read_at(&f, 0, text, f.size);
    if (!EFI_ERROR(status))
        status = apply(b, f.path, text, (size_t)f.size, lc);
    file_close(&f);
    mem_free_pool(lc);
    mem_free_pool(text);
    return status;
}
