#!/usr/bin/env bash
# ember-inspect's command line: the README's examples, the manual, exit statuses, JSON (check_inspect.py).
cd "$(dirname "$0")/../.." && exec python3 tests/inspect/check_inspect.py
