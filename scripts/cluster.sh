#!/usr/bin/env bash
# Several Zapnoty silos on one host, one PostgreSQL: the multi-silo topology without Docker.
#
#   scripts/cluster.sh [N]       starts N silos (default 3), prints their URLs and waits;
#                                Ctrl+C or SIGTERM stops them all gracefully (and our PostgreSQL)
#   scripts/cluster.sh start N   the same, but returns once every silo is ready; they keep running
#   scripts/cluster.sh add I     starts silo number I, which joins the running cluster
#   scripts/cluster.sh stop      SIGTERM to every silo, waits for them, stops our PostgreSQL
#
# Silo I listens for HTTP on 127.0.0.1:(ZAPNOTY_CLUSTER_PORT + I - 1) (default 5080, 5081, ...),
# with the Orleans silo port 11111 + I - 1 and gateway port 30000 + I - 1 (bases:
# ZAPNOTY_CLUSTER_SILO_PORT, ZAPNOTY_CLUSTER_GATEWAY_PORT). Logs, pid files and the connection
# string live in ZAPNOTY_CLUSTER_DIR (default .data/cluster): silo-I.log, silo-I.pid.
# Without ConnectionStrings__Postgres a private PostgreSQL is started in that folder.
# ZAPNOTY_CLUSTER_NO_BUILD=1 skips the Release build (the caller built it). Any other
# environment (Orleans__*, Zapnoty__*, Logging__*) passes through to every silo. Without
# Zapnoty__Smtp__Host the silos run in the Development environment and print login codes to
# their logs (Zapnoty__Smtp__LogCodes=true); outside Development a silo needs SMTP to start.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/postgres.sh
source scripts/master-key.sh

dir=${ZAPNOTY_CLUSTER_DIR:-$root/.data/cluster}
http_base=${ZAPNOTY_CLUSTER_PORT:-5080}
silo_base=${ZAPNOTY_CLUSTER_SILO_PORT:-11111}
gateway_base=${ZAPNOTY_CLUSTER_GATEWAY_PORT:-30000}
silo_dll="$root/Zapnoty.Silo/bin/Release/net10.0/Zapnoty.Silo.dll"
mkdir -p "$dir"
master_key_ensure "$root"
dir=$(cd "$dir" && pwd)
if [ -z "${Zapnoty__Smtp__Host:-}" ]; then
  export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-${DOTNET_ENVIRONMENT:-Development}}
  export Zapnoty__Smtp__LogCodes=${Zapnoty__Smtp__LogCodes:-true}
fi

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

ensure_tools() {
  command -v dotnet >/dev/null || { echo "The .NET SDK (dotnet) is required: https://dot.net" >&2; exit 1; }
  if ! command -v curl >/dev/null; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq curl >/dev/null
  fi
}

# The database every silo uses: given, remembered from `start`, or a PostgreSQL of ours.
ensure_database() {
  if [ -n "${ConnectionStrings__Postgres:-}" ]; then
    printf '%s' "$ConnectionStrings__Postgres" > "$dir/postgres.connection"
    return
  fi
  pg_ensure_installed
  local port
  port=$(cat "$dir/postgres.port" 2>/dev/null || pg_free_port)
  echo "$port" > "$dir/postgres.port"
  if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    echo "Starting PostgreSQL in $dir/postgres on port $port..."
    pg_start "$dir/postgres" "$port"
    touch "$dir/postgres.ours"
  fi
  pg_create_database "$port" zapnoty
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Username=postgres;Database=zapnoty"
  printf '%s' "$ConnectionStrings__Postgres" > "$dir/postgres.connection"
}

build() {
  [ "${ZAPNOTY_CLUSTER_NO_BUILD:-}" = 1 ] && [ -f "$silo_dll" ] && return
  dotnet build Zapnoty.Silo/Zapnoty.Silo.csproj -c Release -nologo -v quiet
}

http_port() { echo $(( http_base + $1 - 1 )); }

alive() { [ -f "$dir/silo-$1.pid" ] && kill -0 "$(cat "$dir/silo-$1.pid")" 2>/dev/null; }

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# launch I: starts silo I in the background (stdin, stdout and stderr away from the caller, so
# a caller reading our output is not held open by the silo), records its pid.
launch() {
  local i=$1 http
  http=$(http_port "$i")
  if alive "$i"; then echo "Silo $i is already running (pid $(cat "$dir/silo-$i.pid"))" >&2; return 1; fi
  if port_taken "$http"; then echo "Port $http (silo $i) is taken by another process" >&2; return 1; fi
  # The process is the silo itself (exec), so its pid is what SIGTERM and SIGKILL go to.
  (
    cd "$root/Zapnoty.Silo"
    export ASPNETCORE_URLS="http://127.0.0.1:$http"
    # No Orleans gateway: the API is in-process (docs/OPERATIONS.md); ZAPNOTY_CLUSTER_GATEWAY_PORT opens one.
    export Orleans__SiloPort=$(( silo_base + i - 1 )) Orleans__GatewayPort=$(( ${ZAPNOTY_CLUSTER_GATEWAY_PORT:+gateway_base + i - 1} + 0 ))
    export Zapnoty__PublicBaseUrl=${Zapnoty__PublicBaseUrl:-http://127.0.0.1:$http}
    exec dotnet "$silo_dll"
  ) </dev/null >>"$dir/silo-$i.log" 2>&1 &
  echo $! > "$dir/silo-$i.pid"
}

# wait_ready I...: until every silo answers /health/ready, or one of them exits.
wait_ready() {
  local deadline=$(( SECONDS + ${ZAPNOTY_CLUSTER_READY_TIMEOUT:-180} )) i
  for i in "$@"; do
    until curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$(http_port "$i")/health/ready" 2>/dev/null; do
      if ! alive "$i"; then
        echo "Silo $i exited before it was ready; the end of $dir/silo-$i.log:" >&2
        tail -n 30 "$dir/silo-$i.log" >&2
        return 1
      fi
      if [ $SECONDS -ge $deadline ]; then echo "Silo $i was not ready in time; see $dir/silo-$i.log" >&2; return 1; fi
      sleep 0.5
    done
  done
}

print_silo() {
  local i=$1 http
  http=$(http_port "$i")
  echo "  silo $i  http://127.0.0.1:$http (Swagger UI /swagger)  pid $(cat "$dir/silo-$i.pid")  log $dir/silo-$i.log"
}

silos() { for f in "$dir"/silo-*.pid; do [ -e "$f" ] || continue; f=${f##*/silo-}; echo "${f%.pid}"; done | sort -n; }

start() {
  local n=$1 i
  ensure_tools
  ensure_database
  build
  # Silos may start together: each applies the migrations under one advisory lock, in turn.
  for i in $(seq 1 "$n"); do launch "$i"; done
  echo "Starting $n silos (logs in $dir)..."
  wait_ready $(seq 1 "$n")
  echo "Zapnoty Helpdesk cluster is ready:"
  for i in $(seq 1 "$n"); do print_silo "$i"; done
}

add() {
  local i=$1
  ensure_tools
  if [ -z "${ConnectionStrings__Postgres:-}" ]; then
    [ -f "$dir/postgres.connection" ] || { echo "No cluster in $dir: run scripts/cluster.sh start N first" >&2; exit 1; }
    export ConnectionStrings__Postgres=$(cat "$dir/postgres.connection")
  fi
  build
  launch "$i"
  wait_ready "$i"
  print_silo "$i"
}

# Graceful: SIGTERM to every silo at once, so they drain and leave the cluster together; a
# silo still running after the host's 30 s shutdown timeout (and a margin) is killed.
stop() {
  local i pid pids=()
  for i in $(silos); do
    if alive "$i"; then
      pid=$(cat "$dir/silo-$i.pid")
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$i:$pid")
    fi
  done
  local deadline=$(( SECONDS + 45 )) entry
  for entry in "${pids[@]}"; do
    i=${entry%%:*} pid=${entry#*:}
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "Silo $i (pid $pid) did not stop within 45 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  rm -f "$dir"/silo-*.pid
  if [ -f "$dir/postgres.ours" ]; then
    pg_find_bin
    pg_stop "$dir/postgres"
    rm -f "$dir/postgres.ours"
  fi
  [ ${#pids[@]} -eq 0 ] || echo "Stopped ${#pids[@]} silos."
}

foreground() {
  local n=$1
  trap 'trap - INT TERM EXIT; echo; echo "Stopping the cluster..."; stop; exit 0' INT TERM
  trap 'stop' EXIT
  start "$n"
  echo "  Stop: Ctrl+C"
  # Until a signal, or every silo has exited on its own.
  while :; do
    local any=""
    for i in $(silos); do alive "$i" && any=1; done
    [ -n "$any" ] || { echo "Every silo has exited." >&2; exit 1; }
    sleep 1
  done
}

case "${1:-3}" in
  start) [ $# -eq 2 ] || usage; start "$2" ;;
  add) [ $# -eq 2 ] || usage; add "$2" ;;
  stop) stop ;;
  ''|*[!0-9]*) usage ;;
  *) foreground "${1:-3}" ;;
esac
