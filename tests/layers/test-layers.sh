#!/usr/bin/env bash
# The source tree's layers, checked by grep (`make test`): what each layer may include.
#   src/core/ and the pure arch files: core, the kernel ABI (include/ember/), pure arch, the C library's
#     freestanding headers - never the firmware (uefi/, <efi...>), a protocol (proto/) or the inspector;
#   src/inspect/: core, the ABI, pure arch, its own headers and the host C library - no firmware;
#   src/uefi/ and src/proto/: arch/ only through the arch/arch.h facade;
#   include/ember/: the kernel's ABI only (bootinfo.h, limine.h).
# Ends with "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
passed=0
failed=0
PURE_ARCH='arch/x86_64/(paging|cpumode|gdt)\.h|core/types\.h'

# rule NAME FILES... -- ALLOWED_REGEX: every #include in FILES matches ALLOWED_REGEX
rule() {
    local name=$1; shift
    local files=() allowed bad
    while [ "$1" != "--" ]; do files+=("$1"); shift; done
    allowed=$2
    bad=$(grep -HnE '^\s*#\s*include' "${files[@]}" | grep -vE "#\s*include\s*[\"<]($allowed)[\">]")
    if [ -z "$bad" ]; then
        passed=$((passed + 1)); echo "ok   layers/$name (${#files[@]} files)"
    else
        failed=$((failed + 1)); echo "FAIL layers/$name:"; echo "$bad" | sed 's/^/     /'
    fi
}

rule "core includes only core, the ABI and freestanding headers" src/core/*.[ch] -- \
    'core/[a-z_0-9]+\.h|ember/(bootinfo|limine)\.h|(config_text|elf_rules)\.h|std(int|def|bool|arg)\.h'
rule "pure arch includes only pure arch and core" arch/x86_64/{paging,cpumode,gdt}.[ch] -- \
    "$PURE_ARCH|core/[a-z_0-9]+\.h|std(int|def|bool|arg)\.h"
rule "ember-inspect includes core, the ABI, pure arch and the host C library" src/inspect/*.[ch] -- \
    "core/[a-z_0-9]+\.h|ember/(bootinfo|limine)\.h|$PURE_ARCH|inspect\.h|json\.h|(stdio|stdlib|string|stdarg|stdint|stdbool|stddef)\.h|sys/mman\.h"
rule "the loader reaches arch/ through arch/arch.h only" src/uefi/*.[ch] src/proto/*.[ch] src/proto/limine/*.[ch] -- \
    'arch/arch\.h|core/[a-z_0-9]+\.h|uefi/[a-z_]+\.h|proto/[a-z_/]+\.h|ember/(bootinfo|limine)\.h|efi(lib)?\.h'
abi=$(ls include/ember | tr '\n' ' ')
if [ "$abi" = "bootinfo.h limine.h " ]; then
    passed=$((passed + 1)); echo "ok   layers/include/ember holds the kernel's ABI only"
else
    failed=$((failed + 1)); echo "FAIL layers/include/ember holds the kernel's ABI only: $abi"
fi
# The README's layout block lists exactly the folders git tracks (seed corpora aside).
listed=$(sed -n '/^## Layout$/,/^## /p' README.md | sed -n '/^```$/,/^```$/p' | grep -oE '^[a-z.][a-z_0-9./]*/' | sed 's|/$||' | sort)
tracked=$(git ls-files | xargs -n1 dirname | sort -u | grep -vE '^\.|/corpus(/|$)')
if [ "$listed" = "$tracked" ]; then
    passed=$((passed + 1)); echo "ok   layers/README's layout is the tree ($(echo "$tracked" | wc -l) folders)"
else
    failed=$((failed + 1)); echo "FAIL layers/README's layout is the tree:"; diff <(echo "$listed") <(echo "$tracked") | sed 's/^/     /'
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
