/* Leveled log lines "[INFO ] (ember): ..." to the firmware console and directly to COM1. */
#include <efi.h>
#include <efilib.h>

#include "arch/arch.h"
#include "uefi/efi.h"
#include "core/fmt.h"
#include "uefi/log.h"

#define LOG_LINE_MAX 448 /* a refusal naming a 128-digit hash and why it was let through fits */

static enum log_level current_level = LOG_INFO;
static enum serial_mode serial_mode = SERIAL_AUTO;
static bool firmware_console = true;   /* ConOut usable (boot services alive) */
static bool firmware_drives_serial;    /* ConOut already mirrors to a UART */

static const char *const level_tags[] = { "ERROR", "WARN ", "INFO ", "DEBUG" };

/* True when some UART is opened BY_DRIVER, i.e. the firmware's terminal already writes our
 * console lines to a serial port; writing COM1 directly as well would print them twice. */
static bool detect_firmware_serial_console(void)
{
    EFI_HANDLE *handles = NULL;
    UINTN count = 0;
    bool found = false;
    EFI_STATUS status = uefi_call_wrapper(BS->LocateHandleBuffer, 5, ByProtocol, &efi_serial_io_guid,
                                          NULL, &count, &handles);
    if (EFI_ERROR(status))
        return false;
    for (UINTN i = 0; i < count && !found; i++) {
        EFI_OPEN_PROTOCOL_INFORMATION_ENTRY *entries = NULL;
        UINTN n = 0;
        status = uefi_call_wrapper(BS->OpenProtocolInformation, 4, handles[i], &efi_serial_io_guid,
                                   &entries, &n);
        if (EFI_ERROR(status))
            continue;
        for (UINTN j = 0; j < n; j++)
            if (entries[j].Attributes & EFI_OPEN_PROTOCOL_BY_DRIVER)
                found = true;
        uefi_call_wrapper(BS->FreePool, 1, entries);
    }
    uefi_call_wrapper(BS->FreePool, 1, handles);
    return found;
}

void log_init(enum serial_mode mode)
{
    firmware_console = true;
    firmware_drives_serial = detect_firmware_serial_console();
    serial_mode = mode;
    if (!firmware_drives_serial && mode != SERIAL_OFF)
        arch_serial_init();
}

void log_set_level(enum log_level level)
{
    current_level = level;
}

void log_set_serial_mode(enum serial_mode mode)
{
    if (mode != SERIAL_OFF && serial_mode == SERIAL_OFF && !firmware_drives_serial)
        arch_serial_init();
    serial_mode = mode;
}

void log_boot_services_exited(void)
{
    firmware_console = false;
}

static bool write_serial_directly(void)
{
    if (serial_mode == SERIAL_OFF)
        return false;
    return !firmware_console || serial_mode == SERIAL_ON || !firmware_drives_serial;
}

/* Writes an ASCII line to ConOut in CHAR16 chunks, "\n" as "\r\n". */
static void write_console(const char *text)
{
    CHAR16 wide[64];
    size_t n = 0;

    for (const char *p = text;; p++) {
        bool flush = *p == '\0' || n + 3 >= ARRAY_LEN(wide);
        if (flush && n > 0) {
            wide[n] = 0;
            uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, wide);
            n = 0;
        }
        if (*p == '\0')
            break;
        if (*p == '\n')
            wide[n++] = L'\r';
        wide[n++] = (CHAR16)(unsigned char)*p;
    }
}

static void write_serial(const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\n')
            arch_serial_putc('\r');
        arch_serial_putc(*p);
    }
}

void log_print(const char *text)
{
    if (firmware_console && ST != NULL && ST->ConOut != NULL)
        write_console(text);
    if (write_serial_directly())
        write_serial(text);
}

bool log_enabled(enum log_level level)
{
    return level <= current_level;
}

void log_write(enum log_level level, const char *fmt, ...)
{
    char line[LOG_LINE_MAX];
    size_t prefix, len;
    va_list ap;

    if (level > current_level)
        return;
    prefix = fmt_format(line, sizeof line, "[%s] (ember): ", level_tags[level]);
    va_start(ap, fmt);
    len = prefix + fmt_vformat(line + prefix, sizeof line - prefix - 1, fmt, ap);
    va_end(ap);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len] = '\n';
    line[len + 1] = '\0';
    if (firmware_console && ST != NULL && ST->ConOut != NULL)
        write_console(line);
    if (write_serial_directly())
        write_serial(line);
}
