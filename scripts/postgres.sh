# Sourced by run.sh and test.sh: a private PostgreSQL server in a folder of ours.
# pg_ensure_installed; pg_start DIR PORT; pg_stop DIR. Sets PG_BIN.

pg_find_bin() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
}

pg_ensure_installed() {
  pg_find_bin
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
    echo "PostgreSQL is not installed; installing it with apt-get..." >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql postgresql-contrib >/dev/null
    pg_find_bin
  fi
  [ -n "$PG_BIN" ] || { echo "PostgreSQL binaries not found after install" >&2; return 1; }
}

# Runs a PostgreSQL binary as the owner of the data: initdb refuses to run as root.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# pg_start DIR PORT: initialises DIR/data on first use, starts the server on 127.0.0.1:PORT.
pg_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PG_FSYNC:-on} ${PG_SERVER_OPTIONS:-}" start >/dev/null \
    || { tail -n 30 "$dir/server.log" >&2; return 1; }
}

# pg_start_throwaway NAME: a server in a fresh folder under /tmp on a free port, removed on exit.
# Durability is not under test where this is used, and fsync makes a run several times slower.
# Sets PG_THROWAWAY_PORT.
pg_start_throwaway() {
  PG_THROWAWAY_DIR=$(mktemp -d "/tmp/zapnoty-$1-pg.XXXXXX")
  PG_THROWAWAY_PORT=$(pg_free_port)
  PG_FSYNC=off pg_start "$PG_THROWAWAY_DIR" "$PG_THROWAWAY_PORT"
  trap 'pg_stop "$PG_THROWAWAY_DIR"; rm -rf "$PG_THROWAWAY_DIR"' EXIT
}

# pg_connection_or_throwaway NAME: keeps ConnectionStrings__Postgres if set, otherwise exports
# one to the database "zapnoty" on a throwaway server (the multi-silo and upgrade checks).
pg_connection_or_throwaway() {
  [ -z "${ConnectionStrings__Postgres:-}" ] || return 0
  pg_ensure_installed
  pg_start_throwaway "$1"
  pg_create_database "$PG_THROWAWAY_PORT" zapnoty
  export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_THROWAWAY_PORT;Username=postgres;Database=zapnoty"
}

pg_stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_create_database PORT NAME (no error when it exists)
pg_create_database() {
  local port=$1 name=$2
  "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 \
    || "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
}
