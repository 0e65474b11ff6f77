/* Pure: parse ember.cfg (key=value lines, '#' comments, "quoted" values) into struct ember_config. */
#ifndef EMBER_CONFIG_H
#define EMBER_CONFIG_H

#include "ember/bootinfo.h"
#include "core/types.h"

#define CONFIG_PATH_MAX 128
#define CONFIG_MODULE_STRING_MAX 256 /* bytes of a module's name (ember.cfg) or string (limine.conf), NUL included */

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

enum serial_mode { SERIAL_AUTO = 0, SERIAL_ON, SERIAL_OFF };

/* smp= (ember protocol): start the application processors and park them for the kernel; x2apic
 * also switches every local APIC to x2APIC mode when the CPU has it. */
enum smp_mode { SMP_NO = 0, SMP_YES, SMP_X2APIC };
enum config_protocol { PROTOCOL_AUTO = 0, PROTOCOL_EMBER, PROTOCOL_LIMINE, PROTOCOL_MULTIBOOT1, PROTOCOL_MULTIBOOT2 };

/* ember.cfg larger than this is refused before parsing. */
#define CONFIG_FILE_MAX_BYTES (64 * KIB)

struct config_module {
    char path[CONFIG_PATH_MAX]; /* as written, '/' or '\' separators */
    char name[CONFIG_MODULE_STRING_MAX]; /* optional words after the path; empty when absent (the ember
                                          * protocol's struct ember_module keeps its first 63 bytes) */
    bool has_sha256;            /* a trailing sha256=HEX word pins the file's SHA-256 */
    uint8_t sha256[32];
    bool has_blake2b;           /* a Limine path's #<128 hex digits> suffix pins its BLAKE2b-512 */
    uint8_t blake2b[64];
    bool optional;              /* a missing file is skipped, not an error (Limine internal modules
                                 * without the required flag; never set by ember.cfg) */
};

/* Test-only fault injection (test_fault= in ember.cfg): make the loader behave as a broken
 * firmware or device would, so that tests can prove ember's handling. */
enum config_fault {
    CONFIG_FAULT_EBS_STALE_KEY_ONCE   = 1u << 0, /* "ebs-stale-key-once": first ExitBootServices gets a stale map key */
    CONFIG_FAULT_EBS_STALE_KEY_ALWAYS = 1u << 1, /* "ebs-stale-key-always": every attempt does */
    CONFIG_FAULT_MAP_BUFFER_SMALL     = 1u << 2, /* "map-buffer-small": memory-map buffers start too small */
    CONFIG_FAULT_CLEAR_WP             = 1u << 3, /* "clear-wp": clear CR0.WP at entry, as a firmware might leave it */
    CONFIG_FAULT_CORRUPT_KERNEL_READ  = 1u << 4, /* "corrupt-kernel-read": flip a byte after the first segment read */
    CONFIG_FAULT_CORRUPT_MODULE_READ  = 1u << 5, /* "corrupt-module-read": flip a byte after each module read */
    CONFIG_FAULT_SMP_START_DISABLED   = 1u << 6, /* "smp-start-disabled": also start CPUs the MADT says are
                                                  * not enabled, as a table listing absent CPUs would */
    CONFIG_FAULT_OPEN_IRQS            = 1u << 7, /* "open-irqs": unmask the PICs' lines and the I/O APICs'
                                                  * fixed entries after ExitBootServices, as a firmware might
                                                  * leave them, before the protocol masks them */
};

struct ember_config {
    char kernel[CONFIG_PATH_MAX];     /* default "/kernel.elf" */
    char cmdline[EMBER_CMDLINE_MAX];  /* default "" */
    unsigned module_count;
    struct config_module modules[EMBER_MAX_MODULES];
    enum log_level log_level;         /* default LOG_INFO */
    bool allow_wx;                    /* default false */
    uint64_t stack_size;              /* bytes, default 64 KiB, 4 KiB multiple, 16 KiB..16 MiB */
    bool demo_map;                    /* default false: map a demo page at 0xFFFFFFFFDEAD0000 */
    bool kaslr;                       /* default false (as Limine): a relocatable kernel's slide is random */
    bool randomise_hhdm;              /* default false: the direct map at a random 1 GiB step (limine.conf's
                                       * randomise_hhdm_base; decide_hhdm_offset) */
    bool strict;                      /* default false: refuse, instead of booting as Limine does, a
                                       * kernel that breaks a Limine rule Limine tolerates */
    enum config_protocol protocol;    /* default PROTOCOL_AUTO: chosen from the kernel's marks */
    enum serial_mode serial;          /* default SERIAL_AUTO */
    enum smp_mode smp;                /* default SMP_NO (ember protocol; Limine kernels ask by request) */
    bool has_kernel_sha256;
    uint8_t kernel_sha256[32];
    bool has_kernel_blake2b;          /* limine.conf's kernel path ends in #<BLAKE2b> */
    uint32_t fb_width, fb_height, fb_bpp; /* limine.conf's resolution: the GOP mode to set; 0: as it is */
    bool hash_mismatch_warns;         /* limine.conf's hash_mismatch_panic: no - a BLAKE2b mismatch warns */
    uint8_t kernel_blake2b[64];
    unsigned fail_alloc_at;           /* test knob: fail the Nth allocation (0 = never) */
    uint32_t test_faults;             /* test knob: enum config_fault bits, default 0 */
    bool from_limine_conf;            /* filled from limine.conf's default entry (lconf_to_ember) */
};

enum config_error {
    CONFIG_OK = 0,
    CONFIG_ERR_SYNTAX,      /* line without '=', empty key, a NUL byte, or an unclosed quote */
    CONFIG_ERR_UNKNOWN_KEY,
    CONFIG_ERR_BAD_VALUE,
    CONFIG_ERR_TOO_LONG,    /* value longer than its field, or a line over 2048 bytes */
    CONFIG_ERR_TOO_MANY_MODULES,
    CONFIG_ERR_DUPLICATE_KEY, /* a non-repeatable key given twice */
};

struct config_diag {
    enum config_error code;
    unsigned line;          /* 1-based line of the error */
    char message[160];      /* "ember.cfg:3: unknown key 'kernal'" */
};

void config_defaults(struct ember_config *cfg);


/* Parses text[0..len) (not NUL-terminated, CRLF or LF, optional UTF-8 BOM) over the defaults
 * already in *cfg. diag may be NULL. On error *cfg may be partly filled; the caller must not use it.
 * Lines are blank, `# comment`, or `key = value`; in a value, a '#' after a blank starts a comment,
 * and a value opening with '"' is the text up to the next '"' (no escapes). */
enum config_error config_parse(const char *text, size_t len, struct ember_config *cfg,
                               struct config_diag *diag);

const char *config_error_name(enum config_error err);

/* The ember.cfg word of a value ("info", "auto", "yes"); "unknown" out of range. Static. */
const char *config_log_level_name(enum log_level v);
const char *config_serial_name(enum serial_mode v);
const char *config_smp_name(enum smp_mode v);
const char *config_protocol_name(enum config_protocol v);

/* The test_fault= name of one enum config_fault bit ("clear-wp"), or "unknown" for 0, several bits
 * or a bit with no fault. Static storage. */
const char *config_fault_name(uint32_t bit);

#endif
