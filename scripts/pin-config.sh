#!/usr/bin/env bash
# Embeds the SHA-256 of an ember.cfg into a built BOOTX64.EFI (before signing), so ember refuses any
# other configuration. usage: scripts/pin-config.sh IN.EFI ember.cfg OUT.EFI
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 IN.EFI ember.cfg OUT.EFI" >&2; exit 2; }
in=$1 cfg=$2 out=$3
[ -f "$in" ] || { echo "pin-config: no such loader: $in" >&2; exit 2; }
[ -f "$cfg" ] || { echo "pin-config: no such config: $cfg" >&2; exit 2; }
hash=$(sha256sum < "$cfg" | cut -d' ' -f1)
python3 - "$in" "$out" "$hash" <<'PY'
import sys
src, dst, digest = sys.argv[1], sys.argv[2], sys.argv[3].encode()
data = bytearray(open(src, "rb").read())
marker = b"EMBER-CONFIG-SHA256="
at = data.find(marker + b"-" * 64)
if at < 0 or data.find(marker, at + 1) >= 0:
    sys.exit("pin-config: the loader has no unpinned marker (already pinned?)")
data[at + len(marker):at + len(marker) + 64] = digest
open(dst, "wb").write(data)
PY
echo "pin-config: $out pins $cfg ($hash)"
