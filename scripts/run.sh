#!/usr/bin/env bash
# Runs Zapnoty Helpdesk locally: a PostgreSQL under .data/ (unless ConnectionStrings__Postgres
# is set), migrations, and the silo with the REST API. Arguments and environment pass through
# to the silo, e.g. ASPNETCORE_URLS=http://127.0.0.1:6000 scripts/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/postgres.sh
source scripts/dashboard.sh
source scripts/master-key.sh

command -v dotnet >/dev/null || { echo "The .NET SDK (dotnet) is required: https://dot.net" >&2; exit 1; }

if [ -z "${ConnectionStrings__Postgres:-}" ]; then
  pg_ensure_installed
  data="$root/.data/postgres"
  port_file="$root/.data/postgres.port"
  mkdir -p "$root/.data"
  port=$(cat "$port_file" 2>/dev/null || pg_free_port)
  echo "$port" > "$port_file"
  if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    echo "Starting PostgreSQL in .data/postgres on port $port..."
    pg_start "$data" "$port"
    started_postgres=$data
    trap 'pg_stop "$started_postgres"' EXIT
  fi
  pg_create_database "$port" zapnoty
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=zapnoty"
fi

export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://127.0.0.1:5080}
master_key_ensure "$root"
# A local trial: Swagger UI on (production leaves it off).
export Zapnoty__Swagger__Enabled=${Zapnoty__Swagger__Enabled:-true}
# Without an SMTP relay this is a local trial: the Development environment, where (and only
# where) Zapnoty__Smtp__LogCodes=true may print login codes to the log. Elsewhere a silo without
# SMTP refuses to start. With Zapnoty__Smtp__Host set, the codes are emailed and never logged.
if [ -z "${Zapnoty__Smtp__Host:-}" ]; then
  export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-${DOTNET_ENVIRONMENT:-Development}}
  export Zapnoty__Smtp__LogCodes=${Zapnoty__Smtp__LogCodes:-true}
fi
dashboard_build "$root"
dotnet build Zapnoty.Silo/Zapnoty.Silo.csproj -c Release -nologo -v quiet
url=${ASPNETCORE_URLS%%;*}
cat <<INFO

  Zapnoty Helpdesk is starting on $url
  Dashboard:    $url/
  Swagger UI:   $url/swagger
  Log in:       POST /v1/auth/login {"email": "you@example.com"}; without SMTP the
                8-digit code is printed in this log. Then POST /v1/auth/verify
                {"email", "code"} and press "Authorize" in Swagger with the token.
  Stop:         Ctrl+C

INFO
cd Zapnoty.Silo
dotnet bin/Release/net10.0/Zapnoty.Silo.dll "$@" &
silo=$!

# Ctrl+C or SIGTERM: the silo leaves the cluster gracefully, then our PostgreSQL stops.
shutdown() {
  trap - EXIT INT TERM
  kill -TERM "$silo" 2>/dev/null || true
  wait "$silo" 2>/dev/null || true
  if [ -n "${started_postgres:-}" ]; then pg_stop "$started_postgres"; fi
}
trap shutdown EXIT INT TERM
status=0
wait "$silo" || status=$?
exit $status
