#!/usr/bin/env bash
# Checks the container files as far as possible without a Docker engine (none runs here or in CI):
#   1. docker-compose.yml is valid (docker-compose config) and scalable (silos publish no port);
#   2. the Dockerfile lints clean and every file it copies from the context exists;
#   3. the publish step the Dockerfile runs (scripts/publish.sh) works, and yields its entry point.
# Installs what it needs (docker-compose from Debian, dockerfile-utils from npm). Called by test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_install() {
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

echo "containers: docker-compose.yml"
command -v docker-compose >/dev/null || apt_install docker-compose
# The compose file refuses to start without a master key; any well-formed one does for the check.
export ZAPNOTY_MASTER_KEY=${ZAPNOTY_MASTER_KEY:-$(head -c 32 /dev/urandom | base64)}
# The file refuses to start without a database password: none has a default.
if env -u POSTGRES_PASSWORD docker-compose -f docker-compose.yml config -q 2>/dev/null; then
  echo "docker-compose.yml must require POSTGRES_PASSWORD" >&2; exit 1
fi
export POSTGRES_PASSWORD=check-containers-only
docker-compose -f docker-compose.yml config -q
config=$(docker-compose -f docker-compose.yml config)
# Debian's Python: docker-compose's package brings PyYAML into it, whatever else is on PATH.
/usr/bin/python3 - "$config" <<'PY'
import sys, yaml
services = yaml.safe_load(sys.argv[1])["services"]
silo = services["silo"]
# --scale silo=N starts N copies: a fixed host port or container name would collide.
assert "ports" not in silo and "container_name" not in silo, "the silo service must not publish ports or name its container"
assert silo["depends_on"]["postgres"]["condition"] == "service_healthy", "silos must wait for a healthy PostgreSQL"
assert "healthcheck" in services["postgres"], "postgres needs a healthcheck"
assert any(v.endswith(":/var/lib/postgresql/data:rw") for v in services["postgres"]["volumes"]), "postgres data must be on a volume"
assert [p["target"] for p in services["proxy"]["ports"]] == [80], "only the proxy publishes a port"
PY

echo "containers: Dockerfile"
command -v npm >/dev/null || apt_install nodejs npm
tools="$root/.tools"
if [ ! -x "$tools/node_modules/.bin/dockerfile-utils" ]; then
  npm install --prefix "$tools" --no-audit --no-fund --silent dockerfile-utils@0.16.3 >/dev/null
fi
"$tools/node_modules/.bin/dockerfile-utils" lint Dockerfile
# COPY sources from the build context (not --from a stage; wildcards may match nothing on purpose).
grep -E '^COPY ' Dockerfile | grep -v -- '--from=' | while read -r _ rest; do
  read -ra words <<<"$rest"
  for source in "${words[@]:0:${#words[@]}-1}"; do
    case "$source" in *[\[\*\?]*) continue ;; esac
    [ -e "$source" ] || { echo "Dockerfile copies $source, which does not exist" >&2; exit 1; }
  done
done

echo "containers: dotnet publish as in the Dockerfile"
out=$(mktemp -d /tmp/zapnoty-publish.XXXXXX)
trap 'rm -rf "$out"' EXIT
scripts/publish.sh "$out"
entry=$(sed -n 's/^ENTRYPOINT \["dotnet", "\([^"]*\)"\]$/\1/p' Dockerfile)
for file in "$entry" "${entry%.dll}.runtimeconfig.json" appsettings.json; do
  [ -f "$out/$file" ] || { echo "The publish output lacks $file" >&2; exit 1; }
done
echo "containers: ok"
