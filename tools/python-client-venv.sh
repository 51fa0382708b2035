#!/bin/sh
# The Python client's virtualenv (clients/python with its test and example extras), created or
# reinstalled only when clients/python/pyproject.toml changed since it was made. Its test
# (test/src/clients/python-client.test.ts) runs this before pytest; .ci/run runs it beside
# `npm ci`, so a fresh machine's pip install overlaps the npm install instead of the tests.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${AIRLOCK_PYTHON_VENV:-$root/.tools/python-client}"
stamp="$venv/airlock-client.stamp"
wanted="$(sha256sum "$root/clients/python/pyproject.toml" | cut -d' ' -f1)"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet -e "$root/clients/python[test,examples]"
printf '%s' "$wanted" > "$stamp"
