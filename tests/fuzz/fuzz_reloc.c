/* libFuzzer harness: any input as a loaded one-segment image + dynamic array through reloc_apply.
 *
 * Input: byte 0 picks the slide (0, 2 MiB, Limine's 0xffffffff80000000, or bytes 5..12 raw),
 * bytes 1..2 and 3..4 are the dynamic array's offset and size in the image (little-endian),
 * bytes 13.. are the image, loaded at linked address IMAGE_VADDR (so table addresses in the
 * image are IMAGE_VADDR + offsets). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reloc.h"

#define FUZZ_NAME "fuzz_reloc"
#include "fuzz_common.h"

#define HEADER_SIZE 13
#define IMAGE_VADDR 0x0ULL /* ld -pie links at 0 */
#define RELA_BYTES 24
#define DYN_BYTES 16
#define POISON 0xa5

static const uint64_t slides[] = { 0, 0x200000, 0xffffffff80000000ULL };

/* The loaded image: one exact-size heap block, so ASan sees any access past it. */
struct image {
    uint8_t *bytes;
    uint64_t size;
    unsigned maps;
};

/* The loader's contract, checked: ranges are never empty and never wrap; NULL unless inside. */
static void *image_map(void *ctx, uint64_t vaddr, uint64_t len)
{
    struct image *img = ctx;
    uint64_t end = 0;

    check(len > 0 && !__builtin_add_overflow(vaddr, len, &end), "map range is non-empty, no wrap");
    img->maps++;
    if (vaddr < IMAGE_VADDR || end > IMAGE_VADDR + img->size)
        return NULL;
    return img->bytes + (vaddr - IMAGE_VADDR);
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    while (n-- > 0)
        v = v << 8 | p[n];
    return v;
}

/* Upper bounds on what reloc_apply may count, from the first DT_RELASZ, DT_PLTRELSZ and DT_RELRSZ
 * before DT_NULL (read independently of src/core/reloc.c, from the unrelocated image). */
static void table_bounds(const struct image *img, uint64_t dyn_off, uint64_t dyn_size,
                         uint64_t *rela_entries, uint64_t *relr_words)
{
    uint64_t relasz = 0, pltrelsz = 0, relrsz = 0;
    bool seen_rela = false, seen_plt = false, seen_relr = false;

    uint64_t end = dyn_off + dyn_size < img->size ? dyn_off + dyn_size : img->size;

    for (uint64_t off = dyn_off; off + DYN_BYTES <= end; off += DYN_BYTES) {
        int64_t tag = (int64_t)load_le(img->bytes + off, 8);
        uint64_t val = load_le(img->bytes + off + 8, 8);
        if (tag == ELF_DT_NULL)
            break;
        if (tag == ELF_DT_RELASZ && !seen_rela) {
            relasz = val;
            seen_rela = true;
        } else if (tag == ELF_DT_PLTRELSZ && !seen_plt) {
            pltrelsz = val;
            seen_plt = true;
        } else if (tag == ELF_DT_RELRSZ && !seen_relr) {
            relrsz = val;
            seen_relr = true;
        }
    }
    *rela_entries = relasz / RELA_BYTES + pltrelsz / RELA_BYTES;
    *relr_words = relrsz / ELF_RELR_ENTRY_SIZE * ELF_RELR_BITMAP_BITS;
}

/* The diag matches err: "" on success, else "<rule-name>: ..." NUL-terminated in its array. */
static void check_diag(enum reloc_error err, const struct reloc_diag *diag)
{
    const char *name = reloc_error_name(err);
    size_t len = strnlen(diag->message, sizeof diag->message), name_len = strlen(name);

    check((unsigned)err < RELOC_ERR_COUNT && strcmp(name, "unknown") != 0, "error code has a name");
    check(diag->code == err, "diag.code is the returned code");
    check(len < sizeof diag->message, "diag.message is NUL-terminated");
    if (err == RELOC_OK) {
        check(len == 0, "diag.message is empty on success");
        return;
    }
    check(len > name_len + 1 && memcmp(diag->message, name, name_len) == 0
              && diag->message[name_len] == ':',
          "diag.message starts with reloc_error_name(code) and ':'");
}

/* A writable exact-size copy of the image bytes. */
static struct image copy_image(const uint8_t *bytes, size_t size)
{
    struct image img = { malloc(size > 0 ? size : 1), size, 0 };

    check(img.bytes != NULL, "malloc");
    if (size > 0)
        memcpy(img.bytes, bytes, size);
    return img;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct image img, again;
    struct reloc_image ri;
    struct reloc_stats stats, stats2;
    struct reloc_diag diag;
    uint64_t slide, dyn_off, dyn_size, rela_entries, relr_words;
    enum reloc_error err;

    if (size < HEADER_SIZE)
        return 0;
    slide = data[0] % 4 < ARRAY_LEN(slides) ? slides[data[0] % 4] : load_le(data + 5, 8);
    dyn_off = load_le(data + 1, 2);
    dyn_size = load_le(data + 3, 2);
    img = copy_image(data + HEADER_SIZE, size - HEADER_SIZE);
    again = copy_image(data + HEADER_SIZE, size - HEADER_SIZE);
    table_bounds(&img, dyn_off, dyn_size, &rela_entries, &relr_words);

    ri = (struct reloc_image){ .map = image_map, .ctx = &img, .slide = slide };
    memset(&stats, POISON, sizeof stats);
    memset(&diag, POISON, sizeof diag);
    err = reloc_apply(&ri, IMAGE_VADDR + dyn_off, dyn_size, &stats, &diag);
    check_diag(err, &diag);
    check((uint64_t)stats.relative + stats.glob_dat + stats.jump_slot + stats.abs64 <= rela_entries,
          "RELA kinds counted <= DT_RELASZ/24 + DT_PLTRELSZ/24");
    check(stats.relr <= relr_words, "RELR words counted <= 63 per DT_RELR entry");
    check(!expect_ok || err == RELOC_OK, "seed relocates");

    /* the same input again, without stats or diag: same outcome, same bytes */
    ri.ctx = &again;
    check(reloc_apply(&ri, IMAGE_VADDR + dyn_off, dyn_size, NULL, NULL) == err,
          "a NULL stats and diag change nothing");
    check(img.size == 0 || memcmp(img.bytes, again.bytes, img.size) == 0,
          "reloc_apply is deterministic");
    memcpy(again.bytes, data + HEADER_SIZE, again.size);
    check(reloc_apply(&ri, IMAGE_VADDR + dyn_off, dyn_size, &stats2, &diag) == err
              && memcmp(&stats, &stats2, sizeof stats) == 0,
          "stats are deterministic");
    free(again.bytes);
    free(img.bytes);
    return 0;
}
