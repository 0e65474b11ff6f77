/* The Limine boot protocol (base revisions 0-3): placeholder until the request scanner lands. */
#include "ember/log.h"
#include "ember/fmt.h"
#include "ember/proto.h"

static bool limine_detect(struct boot *b, char *why, size_t cap)
{
    (void)b;
    fmt_format(why, cap, "no Limine base-revision tag or request in the kernel's loaded bytes");
    return false;
}

static EFI_STATUS limine_unsupported(struct boot *b)
{
    (void)b;
    log_error("the Limine protocol is not supported by this build");
    return EFI_UNSUPPORTED;
}

static void limine_finish(struct boot *b)
{
    (void)b;
}

__attribute__((noreturn)) static void limine_enter(struct boot *b)
{
    (void)b;
    arch_halt();
}

const struct protocol proto_limine = {
    .name = "limine",
    .detect = limine_detect,
    .prepare = limine_unsupported,
    .map = limine_unsupported,
    .build = limine_unsupported,
    .finish = limine_finish,
    .enter = limine_enter,
};
