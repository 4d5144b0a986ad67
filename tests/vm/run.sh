#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs one command inside a QEMU guest booted on another kernel, over this
# machine's filesystem: the host's / is shared read-only over 9p under a
# tmpfs overlay (the way virtme-ng and libbpf's vmtest do it), so the guest
# runs the very binaries and tests of this checkout.  Prints the command's
# output and exits with its status.
#
#   tests/vm/run.sh [options] -- COMMAND [ARG...]
#   tests/vm/run.sh --check [options]    exits 0, or prints why the VM cannot run
#
# Options (and the environment variables they override):
#   --kernel DIR   VM_KERNEL  an unpacked kernel package: DIR/boot/vmlinuz-VERSION
#                             and DIR/lib/modules/VERSION, or the name of a package
#                             tests/vm/fetch-kernel.sh unpacked into $VM_CACHE
#                             (default: $VM_CACHE/default, Debian 12's own kernel)
#   --accel A      VM_ACCEL   kvm, tcg or auto (default): KVM only if a probe boot
#                             succeeds within VM_PROBE_TIMEOUT seconds (default 10)
#   --timeout S    VM_TIMEOUT seconds the command may run (default 1200)
#   --env NAME=VALUE          exported to the command (repeatable)
#   VM_TIME_SCALE             exported to the command as LIVE_TIME_SCALE, the factor
#                             of the live tests' time limits (tests/live/lib.sh):
#                             default 10 under TCG, 2 under KVM
#   VM_BOOT_TIMEOUT           seconds the guest may take to start the command
#                             (default 120; a guest that does not is booted once more)
#   VM_QEMU (qemu-system-x86_64), VM_MEM (3G), VM_SMP (2): the machine
#   --print-accel             probe and print the accelerator that would be used
#   --print-kernel            print the kernel's version
#
# Exit status: the command's; 124 if it ran out of time; 125 if the VM could
# not run it (the console log is kept in $BUILD/vm/, its tail goes to stderr).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
VM_CACHE=${VM_CACHE:-/var/cache/bpfapply/vm}
kernel=${VM_KERNEL:-$VM_CACHE/default}
accel=${VM_ACCEL:-auto}
timeout=${VM_TIMEOUT:-1200}
probe_timeout=${VM_PROBE_TIMEOUT:-10}
boot_timeout=${VM_BOOT_TIMEOUT:-120}
QEMU_SYSTEM=${VM_QEMU:-qemu-system-x86_64}
mode=run
envs=()

# Modules the guest loads before anything else (with what they depend on).
BOOT_MODULES="virtio_pci 9pnet_virtio 9p overlay"

usage() {
	sed -n '/^#   tests/,/^# Exit/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--env) envs+=("$2"); shift 2 ;;
	--check) mode=check; shift ;;
	--print-accel) mode=accel; shift ;;
	--print-kernel) mode=kver; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ "$mode" != run ] || [ $# -gt 0 ] || usage

. "$HERE/lib.sh"

# Why the VM cannot run here, or nothing.
why_not() {
	command -v "$QEMU_SYSTEM" >/dev/null || { echo "$QEMU_SYSTEM not installed (make deps)"; return; }
	[ -x /bin/busybox ] && file_is_static /bin/busybox ||
		{ echo "no static /bin/busybox (busybox-static; make deps)"; return; }
	[ -d "$kernel" ] || { echo "no kernel at $kernel (make deps, or VM_KERNEL=DIR)"; return; }
	kernel_version "$kernel" >/dev/null || { echo "no boot/vmlinuz-* and lib/modules/* in $kernel"; return; }
	[ -f "$kernel/lib/modules/$(kernel_version "$kernel")/modules.dep" ] ||
		{ echo "no modules.dep in $kernel (tests/vm/fetch-kernel.sh makes it)"; return; }
}

# A kernel fetched by name: VM_KERNEL=linux-image-6.12.48+deb12-amd64
case "$kernel" in
*/*) ;;
*) [ -d "$kernel" ] || kernel=$VM_CACHE/$kernel ;;
esac
reason=$(why_not)
if [ -n "$reason" ]; then
	echo "$reason"
	exit 125
fi
kernel=$(cd "$kernel" && pwd -P)
kver=$(kernel_version "$kernel")
case "$mode" in
check) exit 0 ;;
kver) echo "$kver"; exit 0 ;;
esac

work=$BUILD/vm/$kver
mkdir -p "$work"
build_initramfs "$kernel" "$kver" "$work" || exit 125
[ "$accel" = auto ] && accel=$(probe_accel "$kernel/boot/vmlinuz-$kver" "$work")
if [ "$mode" = accel ]; then
	echo "$accel"
	exit 0
fi
# TCG runs the live tests 10-30 times slower than the host (KVM about as
# fast, but on a guest of its own): their time limits grow with it.
if [ -z "${VM_TIME_SCALE:-}" ]; then
	VM_TIME_SCALE=2
	[ "$accel" = tcg ] && VM_TIME_SCALE=10
fi
run_in_vm "$@"
