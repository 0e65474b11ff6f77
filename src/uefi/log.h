/* Leveled logging to the firmware console and COM1; COM1 keeps working after ExitBootServices. */
#ifndef EMBER_LOG_H
#define EMBER_LOG_H

#include "core/config.h" /* enum log_level, enum serial_mode */

/* Starts logging. Firmware console output is used until log_boot_services_exited(); COM1 is
 * written directly when mode is SERIAL_ON, or in SERIAL_AUTO when the firmware console does not
 * already drive a serial port (so lines are not printed twice), and always after ExitBootServices
 * unless mode is SERIAL_OFF. */
void log_init(enum serial_mode mode);
void log_set_level(enum log_level level);
void log_set_serial_mode(enum serial_mode mode);
/* After ExitBootServices: stop calling the firmware, write COM1 only. */
void log_boot_services_exited(void);

void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when lines of this level are printed: lets callers skip work done only for a log line. */
bool log_enabled(enum log_level level);

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
/* Writes text as it is (no prefix, "\n" as "\r\n") where log lines go: the boot menu's screen. */
void log_print(const char *text);

#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)

#endif
