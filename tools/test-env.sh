#!/bin/sh
# Runs a test command with its temporary files inside the checkout (.data/test-tmp).
# Why not /tmp: it can be another filesystem (the start tests hard-link the
# repository into a private directory, which fails across devices), and a host may
# clean it while a run is under way (seen in CI: Vitest's module cache under /tmp
# vanished mid-run and 58 test files failed with ENOENT).
set -eu
dir="$(cd "$(dirname "$0")/.." && pwd)/.data/test-tmp"
mkdir -p "$dir"
TMPDIR="$dir"
export TMPDIR
exec "$@"
