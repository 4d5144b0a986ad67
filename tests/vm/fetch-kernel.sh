#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Downloads a Debian kernel package for the test VM and unpacks it, without
# installing it (no maintainer scripts run), into $VM_CACHE/PACKAGE
# (default /var/cache/bpfapply/vm), outside the git tree.
#
#   tests/vm/fetch-kernel.sh            Debian 12's own kernel, what the
#                                       meta-package linux-image-amd64 depends
#                                       on; $VM_CACHE/default points at it
#   tests/vm/fetch-kernel.sh PACKAGE    another one: a kernel image package or a
#                                       meta-package such as linux-image-6.12-amd64
#
# Prints the directory; `make check VM_KERNEL=PACKAGE` (or the directory)
# boots it.  The generic flavour is needed: the cloud one has no 9p modules.
set -euo pipefail
cache=${VM_CACHE:-/var/cache/bpfapply/vm}
name=${1:-linux-image-amd64}
case "$name" in
linux-image-*) ;;
*) echo "fetch-kernel: '$name' is not a linux-image package" >&2; exit 2 ;;
esac
case "$name" in
*/* | *' '*) echo "fetch-kernel: bad package name '$name'" >&2; exit 2 ;;
esac

# A meta-package depends on the image package of the current ABI.
pkg=$(apt-cache depends "$name" 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
pkg=${pkg:-$name}

mkdir -p "$cache"
dir=$cache/$pkg
if [ ! -f "$dir/.complete" ]; then
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# apt downloads as the _apt user when it can write the directory.
	chmod 0755 "$tmp"
	chown _apt "$tmp" 2>/dev/null || true
	(cd "$tmp" && apt-get download -q "$pkg") >&2
	deb=$(ls "$tmp"/*.deb)
	dpkg-deb -x "$deb" "$tmp/tree"
	kver=$(ls "$tmp/tree/lib/modules")
	[ -f "$tmp/tree/boot/vmlinuz-$kver" ] ||
		{ echo "fetch-kernel: no boot/vmlinuz-$kver in $pkg" >&2; exit 1; }
	[ -n "$(find "$tmp/tree/lib/modules/$kver" -name '9p.ko*' -print -quit)" ] ||
		grep -q '^CONFIG_9P_FS=y' "$tmp/tree/boot/config-$kver" ||
		{ echo "fetch-kernel: $pkg has no 9p (a cloud flavour?)" >&2; exit 1; }
	# The package leaves modules.dep to its install hook: make it here, in
	# the format the guest's busybox modprobe reads.
	busybox depmod -b "$tmp/tree" "$kver"
	rm -rf "$dir"
	mv "$tmp/tree" "$dir"
	touch "$dir/.complete"
fi

# Names that lead to it: the meta-package, and `default` for Debian's own.
link() { # link-name
	local old
	old=$(readlink "$cache/$1" 2>/dev/null || true)
	[ "$old" = "$pkg" ] && return
	ln -sfn "$pkg" "$cache/$1"
	# The kernel a newer ABI replaces goes, unless another name still uses it.
	if [ -n "$old" ] && [ -d "$cache/$old" ] &&
		! find "$cache" -maxdepth 1 -type l -lname "$old" | grep -q .; then
		rm -rf "${cache:?}/$old"
	fi
}
[ "$name" = "$pkg" ] || link "$name"
[ "$name" = linux-image-amd64 ] && link default
echo "$dir"
