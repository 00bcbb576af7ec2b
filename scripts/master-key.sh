# Sourced by run.sh and cluster.sh: the Data Protection master key of this local install
# (Zapnoty__DataProtection__Key, see docs/OPERATIONS.md "Secrets at rest"). Made once, kept in
# .data/master.key (mode 600) so the local database's encrypted secrets stay readable.
master_key_ensure() {
  local root=$1 file="$1/.data/master.key"
  if [ -z "${Zapnoty__DataProtection__Key:-}" ]; then
    mkdir -p "$root/.data"
    [ -s "$file" ] || (umask 077; head -c 32 /dev/urandom | base64 > "$file")
    Zapnoty__DataProtection__Key=$(cat "$file")
    export Zapnoty__DataProtection__Key
  fi
}
