#!/usr/bin/env bash
# Installs ember's build and test dependencies from Debian's archive; idempotent and quiet.
set -euo pipefail

PACKAGES=(gnu-efi ovmf qemu-system-x86 qemu-utils mtools dosfstools fdisk libcmocka-dev gdb
          clang libclang-rt-14-dev sbsigntool binutils make gcc python3 openssl)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
