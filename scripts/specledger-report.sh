#!/usr/bin/env bash
# A pull request's provenance report, exactly as .github/workflows/specledger-report.yml runs it, and as it runs
# locally: scripts/specledger-report.sh BASE HEAD [SPEC_ROOT]. Writes specledger-report.md (Markdown for the PR
# comment) and exits as `specledger report --fail-on "$SPECLEDGER_FAIL_ON"` does: 0, or 1 when the gate fails.
#   SPECLEDGER          how to run specledger (default: specledger; this repository's CI: node dist/bundle/main.js)
#   SPECLEDGER_FAIL_ON  stale, unlinked or stale,unlinked (default: empty, report only)
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 BASE HEAD [SPEC_ROOT]   e.g. $0 origin/main HEAD specs" >&2
  exit 2
fi
base="$1"
head="$2"
specs="${3:-specs}"
read -r -a specledger <<< "${SPECLEDGER:-specledger}"

# Neither a clone nor actions/checkout fetches notes: without this every commit reads as unlinked.
if ! git fetch --quiet origin '+refs/notes/specledger:refs/notes/specledger'; then
  echo "specledger: origin has no refs/notes/specledger yet (push it with: git push origin refs/notes/specledger)" >&2
fi

args=(report "$base..$head" --specs "$specs")
if [ -n "${SPECLEDGER_FAIL_ON:-}" ]; then args+=(--fail-on "$SPECLEDGER_FAIL_ON"); fi
status=0
"${specledger[@]}" "${args[@]}" > specledger-report.md || status=$?
echo "specledger: wrote specledger-report.md ($(wc -l < specledger-report.md) lines), exit $status" >&2
exit "$status"
