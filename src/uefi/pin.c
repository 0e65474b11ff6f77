/* SHA-256 pins from ember.cfg (kernel_sha256=, module ... sha256=): checked over the bytes ember
 * loaded and will hand over, never over a separate read a device could answer differently. */
#include "uefi/boot.h"
#include "core/blake2b.h"
#include "core/decide.h"
#include "core/filewalk.h"
#include "core/fmt.h"
#include "uefi/log.h"
#include "core/sha256.h"

#define GAP_SCRATCH_BYTES (4 * KIB) /* on the stack: gaps (headers, symbols) are small */

/* Compares digest with the pinned value; logs either way. EFI_SECURITY_VIOLATION on mismatch. */
static EFI_STATUS compare_pin(const char *what, const uint8_t digest[SHA256_DIGEST_SIZE],
                              const uint8_t want[SHA256_DIGEST_SIZE])
{
    char got_hex[SHA256_HEX_SIZE];
    struct decide_diag diag;

    if (!decide_pin(what, digest, want, got_hex, &diag))
        return log_refusal(NULL, &diag);
    log_info("%s SHA-256 %s matches the pinned value", what, got_hex);
    return EFI_SUCCESS;
}

EFI_STATUS pin_check_bytes(const char *what, const void *data, uint64_t len, const uint8_t want[SHA256_DIGEST_SIZE])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    sha256_update(&ctx, data, (size_t)len);
    sha256_final(&ctx, digest);
    return compare_pin(what, digest, want);
}

/* The pieces of the kernel file ember holds in memory: the ELF header and program headers the plan
 * was built from, and every segment's file bytes in its final pages. Returns their number. */
static size_t kernel_pieces(const struct boot *b, struct filewalk_piece *out)
{
    size_t n = 0;

    out[n++] = (struct filewalk_piece){ 0, b->kernel.headers.head_len, &b->kernel.headers.ehdr };
    out[n++] = (struct filewalk_piece){ b->kernel.headers.phoff, b->kernel.headers.phsize, b->kernel.headers.phdrs };
    for (unsigned i = 0; i < b->kernel.plan.region_count; i++) {
        const struct elf_region *r = &b->kernel.plan.regions[i];
        for (unsigned k = r->first; k < r->first + r->count; k++) {
            const struct elf_segment *s = &b->kernel.plan.segments[k];
            out[n++] = (struct filewalk_piece){ s->offset, s->filesz, (const void *)(uintptr_t)boot_segment_phys(b, i, s) };
        }
    }
    return n;
}

/* What walk_kernel_file's consumer needs: the boot (for gap reads) and the caller's sink. */
struct walk_ctx {
    struct boot *b;
    void (*consume)(void *ctx, const void *data, uint64_t len);
    void *ctx;
};

static bool walk_read(void *ctx, uint64_t offset, void *buf, uint64_t len)
{
    struct pipe_reader rd = boot_kernel_reader(((struct walk_ctx *)ctx)->b);
    return rd.read_at(rd.ctx, offset, buf, len);
}

static void walk_consume(void *ctx, const void *data, uint64_t len)
{
    struct walk_ctx *w = ctx;
    w->consume(w->ctx, data, len);
}

EFI_STATUS boot_walk_kernel_file(struct boot *b, void (*consume)(void *ctx, const void *data, uint64_t len),
                                 void *ctx)
{
    struct filewalk_piece pieces[2 + ELF_MAX_LOAD_SEGMENTS];
    uint8_t scratch[GAP_SCRATCH_BYTES];
    struct walk_ctx w = { b, consume, ctx };
    struct filewalk_io io = { walk_read, walk_consume, &w, scratch, sizeof scratch };
    uint64_t bad_offset;
    enum filewalk_error err;

    _Static_assert(2 + ELF_MAX_LOAD_SEGMENTS <= FILEWALK_MAX_PIECES, "filewalk holds every piece");
    err = filewalk_run(pieces, kernel_pieces(b, pieces), b->kernel.file.size, &io, &bad_offset);
    if (err == FILEWALK_OK)
        return EFI_SUCCESS;
    log_error("kernel %s: cannot walk the loaded bytes: %s at file offset 0x%llx", b->config.kernel,
              filewalk_error_name(err), (unsigned long long)bad_offset);
    return err == FILEWALK_READ_FAILED ? EFI_DEVICE_ERROR : EFI_SECURITY_VIOLATION;
}

static void hash_bytes(void *ctx, const void *data, uint64_t len)
{
    sha256_update(ctx, data, (size_t)len);
}

static void hash_blake2b(void *ctx, const void *data, uint64_t len)
{
    blake2b_update(ctx, data, (size_t)len);
}

EFI_STATUS pin_blake2b_verdict(struct boot *b, const char *what, const uint8_t digest[BLAKE2B_DIGEST_SIZE],
                               const uint8_t want[BLAKE2B_DIGEST_SIZE])
{
    struct decide_diag diag;

    if (decide_pin_blake2b(what, digest, want, &diag)) {
        log_info("%s BLAKE2b matches its path's #suffix", what);
        return EFI_SUCCESS;
    }
    if (!b->config.hash_mismatch_warns)
        return log_refusal(b, &diag);
    log_warn("%s (limine.conf says hash_mismatch_panic: no - booting it anyway, as Limine does)", diag.message);
    return EFI_SUCCESS;
}

/* limine.conf's #<BLAKE2b> on the kernel path, over the same bytes as the SHA-256 pin. */
static EFI_STATUS pin_check_kernel_blake2b(struct boot *b, const char *what)
{
    struct blake2b_ctx hash;
    uint8_t digest[BLAKE2B_DIGEST_SIZE];
    EFI_STATUS status;

    blake2b_init(&hash);
    status = boot_walk_kernel_file(b, hash_blake2b, &hash);
    blake2b_final(&hash, digest);
    return EFI_ERROR(status) ? status : pin_blake2b_verdict(b, what, digest, b->config.kernel_blake2b);
}

EFI_STATUS pin_check_kernel(struct boot *b)
{
    struct sha256_ctx hash;
    uint8_t digest[SHA256_DIGEST_SIZE];
    char what[CONFIG_PATH_MAX + 8];
    EFI_STATUS status;

    fmt_format(what, sizeof what, "kernel %s", b->config.kernel);
    status = b->config.has_kernel_blake2b ? pin_check_kernel_blake2b(b, what) : EFI_SUCCESS;
    if (EFI_ERROR(status))
        return status;
    if (!b->config.has_kernel_sha256)
        return EFI_SUCCESS;
    sha256_init(&hash);
    status = boot_walk_kernel_file(b, hash_bytes, &hash);
    sha256_final(&hash, digest);
    if (EFI_ERROR(status))
        return status;
    return compare_pin(what, digest, b->config.kernel_sha256);
}
