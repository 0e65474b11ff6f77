/* First stages: banner, boot volume, ember.cfg. */
#include "uefi/boot.h"
#include "core/decide.h"
#include "uefi/log.h"
#include "core/sha256.h"

#ifndef EMBER_VERSION
#define EMBER_VERSION "dev"
#endif
#define CONFIG_FILE "\\ember.cfg"
/* An ember.cfg up to this size is read into a stack buffer, so that no allocation happens before
 * fail_alloc_at is known and the first allocation of a boot can be failed too. */
#define CONFIG_STACK_BYTES (4 * KIB)
#define WATCHDOG_OFF 0
#define PIN_MARKER "EMBER-CONFIG-SHA256="
#define PIN_MARKER_LEN (sizeof PIN_MARKER - 1)

/* Build-time pin of ember.cfg: scripts/pin-config.sh writes the file's hex SHA-256 after the marker
 * before the binary is signed, so Secure Boot covers the configuration too. All '-' = not pinned.
 * volatile: the compiler must read what the script patched, not the initialiser. */
static volatile const char config_pin[] =
    PIN_MARKER "----------------------------------------------------------------";

static bool config_is_pinned(void)
{
    return config_pin[PIN_MARKER_LEN] != '-';
}

/* True when text hashes to the pinned value; logs the mismatch otherwise. */
static bool config_matches_pin(const char *text, UINT64 len)
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    char hex[SHA256_HEX_SIZE];
    struct sha256_ctx ctx;

    sha256_init(&ctx);
    sha256_update(&ctx, text, (size_t)len);
    sha256_final(&ctx, digest);
    sha256_to_hex(digest, hex);
    for (unsigned i = 0; i < SHA256_HEX_SIZE - 1; i++)
        if (hex[i] != config_pin[PIN_MARKER_LEN + i]) {
            log_error("ember.cfg SHA-256 %s does not match the value pinned in this build", hex);
            return false;
        }
    log_info("ember.cfg SHA-256 matches the value pinned in this build");
    return true;
}

/* CHAR16 firmware string -> ASCII for log lines (non-ASCII becomes '?'). */
static void narrow(const CHAR16 *wide, char *out, size_t cap)
{
    size_t n = 0;
    for (; wide != NULL && wide[n] != 0 && n + 1 < cap; n++)
        out[n] = wide[n] < 0x80 ? (char)wide[n] : '?';
    out[n] = '\0';
}

void log_banner(struct boot *b)
{
    char vendor[64];
    EFI_LOADED_IMAGE *loaded = NULL;

    narrow(ST->FirmwareVendor, vendor, sizeof vendor);
    log_info("ember %s - UEFI bootloader for x86-64", EMBER_VERSION);
    log_info("firmware: %s rev 0x%x, UEFI %u.%u", vendor, ST->FirmwareRevision, ST->Hdr.Revision >> 16,
             (ST->Hdr.Revision & 0xFFFF) / 10);
    /* GDB: `ember-symbols` loads build/ember.so at this base. */
    if (!EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, b->image, &efi_loaded_image_guid, (void **)&loaded)))
        log_info("image base 0x%llx", (unsigned long long)(uintptr_t)loaded->ImageBase);
    /* tests compare this with the CR3 the firmware has once ember returned to it */
    log_info("firmware CR3 at entry 0x%llx", (unsigned long long)arch_read_page_root().addr);
    uefi_call_wrapper(BS->SetWatchdogTimer, 4, WATCHDOG_OFF, 0, 0, NULL);
}

/* test_fault knobs that act at once: each logs what it does, so no test passes by accident. */
static void apply_test_faults(struct boot *b)
{
    for (uint32_t bit = 1; bit != 0 && bit <= b->config.test_faults; bit <<= 1)
        if (b->config.test_faults & bit)
            log_warn("test_fault %s is on (ember.cfg)", config_fault_name(bit));
    if (b->config.test_faults & CONFIG_FAULT_CLEAR_WP)
        arch_set_write_protect(false); /* as a firmware that leaves CR0.WP clear would */
    mem_map_start_small(b->config.test_faults & CONFIG_FAULT_MAP_BUFFER_SMALL);
}

EFI_STATUS stage_open_volume(struct boot *b)
{
    EFI_STATUS status = file_open_boot_volume(b->image, &b->root);

    if (!EFI_ERROR(status))
        volume_learn_boot(b);
    return status;
}

/* Reads ember.cfg (at most CONFIG_FILE_MAX_BYTES) into *text: small files into `stack`, larger ones into
 * a pool buffer (*pool, freed by the caller with mem_free_pool). */
static EFI_STATUS read_config_text(struct file *f, char *stack, char **text, char **pool)
{
    EFI_STATUS status;

    *pool = NULL;
    *text = stack;
    struct decide_diag diag;

    if (!decide_config_size(f->size, &diag))
        return log_refusal(NULL, &diag);
    if (f->size > CONFIG_STACK_BYTES) {
        status = mem_alloc_pool(f->size + 1, (void **)pool);
        if (EFI_ERROR(status))
            return status;
        *text = *pool;
    }
    return file_read_at(f, 0, *text, f->size);
}

/* Reads the whole (small) config file and parses it. Absent file: limine.conf, else defaults. */
EFI_STATUS stage_read_config(struct boot *b)
{
    struct file f;
    struct config_diag diag;
    char stack[CONFIG_STACK_BYTES], *text, *pool;
    EFI_STATUS status;

    config_defaults(&b->config);
    status = file_open(b->root, CONFIG_FILE, true, &f);
    if (status == EFI_NOT_FOUND && config_is_pinned()) {
        log_error("this build pins ember.cfg, but there is no ember.cfg");
        return EFI_SECURITY_VIOLATION;
    }
    if (status == EFI_NOT_FOUND) { /* a disk set up for Limine: its limine.conf, else the defaults */
        bool found = false;
        status = limine_conf_read(b, &found);
        if (!found)
            log_info("no ember.cfg and no limine.conf: using defaults (kernel %s)", b->config.kernel);
        b->tsc.config = arch_timestamp();
        return status;
    }
    if (EFI_ERROR(status))
        return status;
    status = read_config_text(&f, stack, &text, &pool);
    if (!EFI_ERROR(status) && config_is_pinned() && !config_matches_pin(text, f.size))
        status = EFI_SECURITY_VIOLATION;
    if (!EFI_ERROR(status) && config_parse(text, f.size, &b->config, &diag) != CONFIG_OK) {
        log_error("%s", diag.message);
        status = EFI_INVALID_PARAMETER;
    }
    file_close(&f);
    mem_free_pool(pool);
    if (EFI_ERROR(status))
        return status;
    log_set_level(b->config.log_level);
    log_set_serial_mode(b->config.serial);
    mem_fail_at(b->config.fail_alloc_at);
    apply_test_faults(b);
    b->tsc.config = arch_timestamp();
    log_info("ember.cfg: kernel %s, %u module(s), cmdline \"%s\"", b->config.kernel, b->config.module_count,
             b->config.cmdline);
    return EFI_SUCCESS;
}
