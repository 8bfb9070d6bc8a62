# shellcheck shell=bash
# A real Debian 12 image for the image tests: `debootstrap --variant=minbase bookworm` into
# the cache, packed into an OCI image layout by eksguard's own code (hack/ocipack).
# Exports EKSGUARD_DEBIAN_OCI (the OCI layout directory).
_deb_dir="$EKSGUARD_TEST_CACHE/debian-bookworm"
if [ ! -f "$_deb_dir/oci/index.json" ]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "installing debootstrap with apt-get"
    (apt-get update -qq && apt-get install -y -qq debootstrap) >/dev/null
  fi
  # The Debian mirror this machine's apt uses: only the source files apt reads (*.list and
  # *.sources, not disabled copies), and only a Debian archive (a URI ending in /debian).
  _deb_mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE '^(URIs:|deb) +https?://[^ ]+' | awk '{print $2}' | grep -E '/debian/?$' | head -1 || true)
  _deb_mirror=${_deb_mirror:-http://deb.debian.org/debian}
  if [ ! -f "$_deb_dir/rootfs/.complete" ]; then
    echo "debootstrap --variant=minbase bookworm from $_deb_mirror into $_deb_dir/rootfs (once, a few minutes)"
    rm -rf "$_deb_dir/rootfs" && mkdir -p "$_deb_dir"
    debootstrap --variant=minbase bookworm "$_deb_dir/rootfs" "$_deb_mirror" >"$_deb_dir/debootstrap.log" 2>&1 ||
      { echo "debootstrap failed, see $_deb_dir/debootstrap.log"; tail -5 "$_deb_dir/debootstrap.log"; return 1; }
    touch "$_deb_dir/rootfs/.complete"
  fi
  echo "packing the Debian rootfs into an OCI layout"
  rm -rf "$_deb_dir/oci"
  go run ./hack/ocipack -rootfs "$_deb_dir/rootfs" -exclude .complete -out "$_deb_dir/oci" -tag bookworm
fi
export EKSGUARD_DEBIAN_OCI="$_deb_dir/oci"
unset _deb_dir _deb_mirror
