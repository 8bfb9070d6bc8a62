# shellcheck shell=bash
# The runtime sensor's demo test starts a real container: runc (Debian's package) on the
# Debian bookworm rootfs that 51-debian.sh debootstraps. Exports EKSGUARD_RUNC and
# EKSGUARD_DEBIAN_ROOTFS. The test also needs root and a kernel with BTF; it checks those
# itself (internal/testenv.EBPF).
if ! command -v runc >/dev/null 2>&1; then
  echo "installing runc with apt-get"
  (apt-get update -qq && apt-get install -y -qq runc) >/dev/null || echo "runc could not be installed"
fi
if command -v runc >/dev/null 2>&1; then
  EKSGUARD_RUNC=$(command -v runc)
  export EKSGUARD_RUNC
fi
if [ -f "$EKSGUARD_TEST_CACHE/debian-bookworm/rootfs/.complete" ]; then
  export EKSGUARD_DEBIAN_ROOTFS="$EKSGUARD_TEST_CACHE/debian-bookworm/rootfs"
fi
# The sensor attaches to tracepoints, whose IDs the kernel publishes in tracefs; a fresh
# machine may not have it mounted.
if [ "$(id -u)" = 0 ] && [ -d /sys/kernel/tracing ] && [ ! -d /sys/kernel/tracing/events ]; then
  echo "mounting tracefs on /sys/kernel/tracing"
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || echo "tracefs could not be mounted"
fi
