/* Architecture facade: boot code includes this, never arch/<name>/ files directly. */
#ifndef EMBER_ARCH_H
#define EMBER_ARCH_H

#if defined(__x86_64__)
#include "arch/x86_64/arch.h"
#else
#error "ember supports x86-64 only: add arch/<name>/ and select it here"
#endif

#endif
