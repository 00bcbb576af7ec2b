#!/usr/bin/env bash
# After a full test run: every (method, route, status) the API answered during the suite, as the
# test silos recorded it (Zapnoty.Grains.Tests/Infrastructure/StatusRecorder.cs), must be a
# response of that operation in the OpenAPI document the API served in the same run. Fails with
# the list of undocumented answers; a 500 anywhere is a fault and fails it too. Called by test.sh.
# Usage: scripts/status-coverage.sh TestResults/status-codes.tsv TestResults/openapi.served.json
set -euo pipefail
log=${1:?recorded statuses}
document=${2:?served OpenAPI document}
[ -s "$log" ] || { echo "status coverage: nothing was recorded in $log" >&2; exit 1; }
[ -s "$document" ] || { echo "status coverage: no served document at $document" >&2; exit 1; }

/usr/bin/python3 - "$log" "$document" <<'PY'
import json, re, sys

log, document = sys.argv[1], sys.argv[2]

def operation_path(route):
    # "/v1/projects/{projectId:guid}/tickets/" -> "/v1/projects/{projectId}/tickets"
    path = re.sub(r"\{\*{0,2}([^}:=?]+)[^}]*\}", r"{\1}", route).rstrip("/")
    return path or "/"

documented = {}
for path, item in json.load(open(document))["paths"].items():
    for method, operation in item.items():
        if isinstance(operation, dict) and "responses" in operation:
            documented[(method.upper(), operation_path(path))] = set(operation["responses"])

problems = []
recorded = 0
for line in open(log):
    method, route, status = line.rstrip("\n").split("\t")
    recorded += 1
    key = (method, operation_path(route))
    if status == "500":
        problems.append(f"{method} {route} answered 500 (a fault; see the test log)")
    elif key not in documented:
        # Only the public API is documented; health checks (503 while draining) and the dashboard are not operations.
        if route.startswith("/v1"):
            problems.append(f"{method} {route} answered {status} but is not an operation of the document")
    elif status not in documented[key]:
        problems.append(f"{method} {key[1]} answered {status}, which its operation does not declare")

if problems:
    print(f"status coverage: {len(problems)} of {recorded} recorded answers are not in the OpenAPI document:", file=sys.stderr)
    for problem in sorted(set(problems)):
        print("  " + problem, file=sys.stderr)
    sys.exit(1)
print(f"status coverage: all {recorded} recorded (method, route, status) answers are documented")
PY
