# Sourced by run.sh and test.sh: builds the dashboard (dashboard/dist) before the silo.
# dashboard_build; chromium_ensure_installed (tests only).

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Installs the npm packages only when node_modules is missing or package-lock.json changed
# since the last install, then type-checks and bundles into dashboard/dist.
dashboard_build() {
  local dir=$1/dashboard
  if ! command -v npm >/dev/null; then
    echo "Node.js/npm is not installed; installing it with apt-get..." >&2
    apt_install nodejs npm
  fi
  local lock_sum stamp="$dir/node_modules/.zapnoty-lock.sha256"
  lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ ! -d "$dir/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    echo "Installing the dashboard's npm packages (npm ci)..."
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" > "$stamp"
  fi
  echo "Building the dashboard (npm run build)..."
  (cd "$dir" && npm run build --silent)
}

# The dashboard's end-to-end tests drive Debian's Chromium; Playwright never downloads one.
chromium_ensure_installed() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "Chromium is not installed; installing Debian's chromium with apt-get..." >&2
    apt_install chromium
  fi
}
