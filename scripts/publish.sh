#!/usr/bin/env bash
# Publishes the silo (with the API) into one folder: scripts/publish.sh OUT_DIR.
# The Dockerfile runs exactly this, and scripts/check-containers.sh runs it outside Docker,
# so a broken image build shows up in CI even where no Docker engine runs.
set -euo pipefail
out=${1:?usage: scripts/publish.sh OUT_DIR}
cd "$(dirname "$0")/.."
# No apphost: the image starts the silo with `dotnet Zapnoty.Silo.dll`, so the publish is portable.
dotnet publish Zapnoty.Silo/Zapnoty.Silo.csproj -c Release -nologo -v quiet -o "$out" -p:UseAppHost=false
