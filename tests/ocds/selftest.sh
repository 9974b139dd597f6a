#!/usr/bin/env bash
# Self-test of the OCDS validator: the valid fixture must pass (exit 0), the invalid one must fail
# (exit 1) and name both of its errors. Usage: tests/ocds/selftest.sh [PYTHON]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${1:-${SAMVERKAN_OCDS_PYTHON:-$here/.venv/bin/python}}"
fail=0

out="$("$python" "$here/validate.py" "$here/fixtures/valid-release-package.json")"; rc=$?
if [ "$rc" -ne 0 ]; then echo "selftest: valid fixture exited $rc, expected 0:"; echo "$out"; fail=1; fi

out="$("$python" "$here/validate.py" "$here/fixtures/invalid-release-package.json")"; rc=$?
if [ "$rc" -ne 1 ]; then echo "selftest: invalid fixture exited $rc, expected 1:"; echo "$out"; fail=1; fi
for want in "/releases/0/tender/value/amount" "'signed' not in the closed codelist releaseTag.csv"; do
    if ! grep -qF -- "$want" <<<"$out"; then echo "selftest: invalid fixture's report lacks: $want"; echo "$out"; fail=1; fi
done

if [ "$fail" -eq 0 ]; then echo "ocds selftest OK: valid fixture accepted, invalid fixture rejected with both errors"; else echo "ocds selftest: FAILED"; fi
exit "$fail"
