/* Pure: the Limine-protocol breaches Limine boots through, named for a WARN line or a strict=yes
 * refusal (lscan.h, lscan_tolerated), and the requests ember never answers. */
#include "core/lscan.h"
#include "core/fmt.h"

/* The first request whose response field is not 0 in the file, or NULL. */
static const struct lscan_request *first_response_set(const struct lscan_result *r)
{
    for (size_t i = 0; i < r->count; i++)
        if (r->requests[i].verdict == LSCAN_VERDICT_OK && r->requests[i].response != 0)
            return &r->requests[i];
    return NULL;
}

bool lscan_tolerated(const struct lscan_result *r, unsigned n, struct lscan_diag *diag, const char **instead)
{
    const struct lscan_request *q;

    switch (n) {
    case 0:
        if (!r->late_start)
            return false;
        *instead = "Limine stops at the end marker, so ember reads the requests before it";
        diag->code = LSCAN_ERR_MARKERS_REVERSED;
        fmt_format(diag->message, sizeof diag->message, "request end marker at 0x%llx lies before the start marker "
                   "at 0x%llx", (unsigned long long)r->end_vaddr, (unsigned long long)r->late_start_vaddr);
        return true;
    case 1:
        if (!r->tag_ignored)
            return false;
        *instead = "Limine never sees it, so ember boots the kernel as base revision 0 and leaves the tag "
                   "as it is (the kernel will find its revision unsupported)";
        diag->code = LSCAN_ERR_TAG_OUTSIDE_MARKERS;
        fmt_format(diag->message, sizeof diag->message, "base revision %llu tag at 0x%llx lies outside the request "
                   "markers, binding from revision 2", (unsigned long long)r->revision,
                   (unsigned long long)r->tag_vaddr);
        return true;
    case 2:
        if (!r->has_misaligned)
            return false;
        *instead = "Limine's scan steps by 8 bytes and never sees it, so ember leaves it unanswered too";
        diag->code = LSCAN_ERR_MISALIGNED_REQUEST;
        fmt_format(diag->message, sizeof diag->message, "%s request at 0x%llx is 4 bytes off its 8-byte alignment",
                   lscan_kind_name(r->misaligned_kind), (unsigned long long)r->misaligned_vaddr);
        return true;
    case 3:
        if ((q = first_response_set(r)) == NULL)
            return false;
        *instead = "ember overwrites it with its answer (0 when it has none), as Limine overwrites it when it answers";
        diag->code = LSCAN_ERR_RESPONSE_SET;
        fmt_format(diag->message, sizeof diag->message, "%s request at 0x%llx has response 0x%llx in the file, not 0",
                   lscan_kind_name(q->kind), (unsigned long long)q->vaddr, (unsigned long long)q->response);
        return true;
    default: return false;
    }
}

const char *lscan_never_answered(enum lscan_kind k)
{
    if (k == LSCAN_DTB)
        return "no device tree on x86 UEFI";
    if (k == LSCAN_FLANTERM_FB_INIT)
        return "ember leaves no terminal on the screen (it is cleared; the log is on COM1)";
    if (k == LSCAN_TPM_EVENT_LOG)
        return "ember does not hand over the TPM event log yet";
    return NULL;
}

const char *lscan_error_hint(enum lscan_error err)
{
    switch (err) {
    case LSCAN_ERR_BAD_SEGMENT: return "relink the kernel";
    case LSCAN_ERR_TOO_MANY_REQUESTS: return "drop the requests the kernel does not use";
    case LSCAN_ERR_DUPLICATE_TAG: return "keep one base revision tag";
    case LSCAN_ERR_DUPLICATE_REQUEST: return "keep one request of each kind";
    case LSCAN_ERR_MARKERS_REVERSED: return "put the start marker first, or strict=no";
    case LSCAN_ERR_TAG_OUTSIDE_MARKERS: return "move the tag between the markers, or strict=no";
    case LSCAN_ERR_MISALIGNED_REQUEST: return "align requests to 8 bytes, or strict=no";
    case LSCAN_ERR_RESPONSE_SET: return "leave the response NULL in the source, or strict=no";
    default: return "";
    }
}
