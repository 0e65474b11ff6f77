/* A tiny relocatable "kernel" the host toolchain links two ways (tests/unit/fixtures.mk), so the
 * tests can plan and relocate real ld output: a static PIE with DT_RELR, and a -z now shared
 * object whose default-visibility symbols need R_X86_64_64, GLOB_DAT and JUMP_SLOT. */
#define MARKER_MAGIC 0x52454c4f434b4d4bUL /* "KMKCOLER": the test finds the marker by it */

struct marker {
    unsigned long magic;
    const struct marker *self; /* relocated to the marker's final address */
    void (*entry)(void);       /* the entry point's final address */
    const char *text;          /* points at "hello" */
    void (*weak)(void);        /* a weak undefined symbol: 0 */
    int *count;                /* a defined data symbol */
};

void kentry(void);
int count;
__attribute__((weak)) extern void absent_hook(void);

/* Called through the PLT in the shared build (a JUMP_SLOT); count is reached through the GOT. */
__attribute__((noinline)) void bump(void)
{
    count++;
}

const struct marker marker = { MARKER_MAGIC, &marker, kentry, "hello", absent_hook, &count };

/* The entry point: never returns. */
void kentry(void)
{
    bump();
    if (absent_hook)
        absent_hook();
    for (;;)
        __asm__ volatile("hlt");
}
