# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Helpers of tests/vm/run.sh: the initramfs, the accelerator probe and the
# boot itself.  Every qemu runs under timeout(1) and is killed by its pid.

# busybox must be static: it runs before any library is reachable.
file_is_static() {
	! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

# DIR/boot/vmlinuz-VERSION with DIR/lib/modules/VERSION -> VERSION
kernel_version() {
	local v
	for v in "$1"/boot/vmlinuz-*; do
		v=${v##*/vmlinuz-}
		[ -d "$1/lib/modules/$v" ] && echo "$v" && return 0
	done
	return 1
}

# Paths (relative to lib/modules/VERSION) of the modules to insmod, in an
# order that loads each after what it needs; built-in ones are left out.
module_order() { # moddir modules...
	local dir=$1
	shift
	awk -v targets="$*" '
	function name(p, n) {
		n = p; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); gsub(/-/, "_", n)
		return n
	}
	function visit(n, k, d, i) {
		if (n in seen)
			return
		seen[n] = 1
		k = split(deps[n], d, " ")
		for (i = 1; i <= k; i++)
			visit(name(d[i]))
		print path[n]
	}
	FILENAME ~ /modules\.builtin$/ { builtin[name($0)] = 1; next }
	{
		p = $1; sub(/:$/, "", p); n = name(p)
		path[n] = p; deps[n] = ""
		for (i = 2; i <= NF; i++)
			deps[n] = deps[n] " " $i
	}
	END {
		k = split(targets, t, " ")
		for (i = 1; i <= k; i++) {
			if (t[i] in builtin)
				continue
			if (!(t[i] in path)) {
				print "module " t[i] " is not in modules.dep" > "/dev/stderr"
				exit 1
			}
			visit(t[i])
		}
	}' "$dir/modules.builtin" "$dir/modules.dep"
}

# Copies a module into the initramfs uncompressed: busybox insmod may not
# read compressed ones.
copy_module() { # src dst
	case "$1" in
	*.ko) cp "$1" "$2" ;;
	*.ko.xz) xz -dc "$1" > "$2" ;;
	*.ko.zst) zstd -qdc "$1" > "$2" ;;
	*.ko.gz) gzip -dc "$1" > "$2" ;;
	*) return 1 ;;
	esac
}

# WORK/initramfs.cpio: static busybox, tests/vm/init and the boot modules.
build_initramfs() { # kernel-dir version work-dir
	local moddir=$1/lib/modules/$2 stage order m i=0
	stage=$(mktemp -d "$3/initramfs.XXXXXX") || return 1
	mkdir -p "$stage/bin" "$stage/kmod"
	cp /bin/busybox "$stage/bin/busybox"
	install -m 0755 "$HERE/init" "$stage/init"
	order=$(module_order "$moddir" $BOOT_MODULES) || { rm -rf "$stage"; return 1; }
	for m in $order; do
		i=$((i + 1))
		copy_module "$moddir/$m" "$stage/kmod/$i.ko" || {
			echo "cannot copy $moddir/$m" >&2
			rm -rf "$stage"
			return 1
		}
		echo "$i.ko" >> "$stage/kmod/order"
	done
	touch "$stage/kmod/order"
	(cd "$stage" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$stage.cpio" &&
		mv "$stage.cpio" "$3/initramfs.cpio"
	local rc=$?
	rm -rf "$stage" "$stage.cpio"
	return $rc
}

# The qemu command line for accelerator $1, kernel $2, extra kernel args $3.
# TCG runs both vCPUs on one host thread: with a thread per vCPU, Debian's
# 6.12 once oopsed at boot on an int3 left by its own code patching; one
# thread rules such cross-vCPU races out, for about 6% of speed here.
qemu_cmd() {
	local cpu=max a=$1
	case "$a" in
	kvm) cpu=host ;;
	tcg) a=tcg,thread=single ;;
	esac
	QEMU=("$QEMU_SYSTEM" -accel "$a" -cpu "$cpu" -m "${VM_MEM:-3G}" -smp "${VM_SMP:-2}"
		-nographic -no-reboot -nic none
		-kernel "$2" -initrd "$work/initramfs.cpio"
		-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init $3")
}

# kvm if a KVM guest reaches its init within VM_PROBE_TIMEOUT seconds (in
# a nested VM it may hang while decompressing the kernel), tcg otherwise.
probe_accel() { # vmlinuz work-dir
	local log pid
	if [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	log=$(mktemp "$2/probe.XXXXXX")
	qemu_cmd kvm "$1" bpfapply.probe
	timeout -k 2 "$probe_timeout" "${QEMU[@]}" < /dev/null > "$log" 2>&1 &
	pid=$!
	wait "$pid"
	if grep -q 'bpfapply-vm: probe-ok' "$log"; then
		echo kvm
	else
		echo tcg
	fi
	rm -f "$log"
}

# Single-quotes a word for sh.
shq() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# Writes the guest's instructions into the io directory $1: where things
# are, and the command "${@:2}" to run in $PWD with the --env variables.
write_io() {
	local io=$1 e
	shift
	{
		echo "VM_IODIR=$(shq "$io")"
		echo "VM_MODDIR=$(shq "$kernel/lib/modules")"
		echo "VM_CMD_TIMEOUT=$(shq "$timeout")"
	} > "$io/vm.conf"
	{
		echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		echo "export HOME=/root LC_ALL=C.UTF-8 TERM=dumb"
		echo "export LIVE_TIME_SCALE=$(shq "$VM_TIME_SCALE")"
		for e in "${envs[@]}"; do
			echo "export $(shq "$e")"
		done
		echo "cd $(shq "$PWD") || exit 125"
		printf 'exec'
		for e in "$@"; do
			printf ' %s' "$(shq "$e")"
		done
		echo
	} > "$io/cmd"
}

# One boot.  Returns 2 if the guest did not start the command within
# VM_BOOT_TIMEOUT seconds (qemu is killed then), 0 once qemu has exited.
boot_once() { # io-dir
	local io=$1 qpid i
	rm -f "$io/started" "$io/status"
	: > "$io/out"
	qemu_cmd "$accel" "$kernel/boot/vmlinuz-$kver" ""
	QEMU+=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
		-virtfs "local,path=$io,mount_tag=io,security_model=none,multidevs=remap")
	# Room for the boot and the module loads on top of the command's time.
	timeout -k 10 $((timeout + boot_timeout + 60)) "${QEMU[@]}" < /dev/null > "$io/console.log" 2>&1 &
	qpid=$!
	trap 'kill "$qpid" 2>/dev/null; exit 125' INT TERM
	trap 'kill "$qpid" 2>/dev/null' EXIT
	for ((i = 0; i < boot_timeout * 2; i++)); do
		[ -e "$io/started" ] && break
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.5
	done
	if [ ! -e "$io/started" ]; then
		kill "$qpid" 2>/dev/null
		wait "$qpid"
		trap - INT TERM EXIT
		return 2
	fi
	tail -n +1 -s 0.5 -f --pid="$qpid" "$io/out"
	wait "$qpid"
	qemu_rc=$?
	trap - INT TERM EXIT
	return 0
}

# Boots, runs "$@" in $PWD inside the guest, relays its output.  A guest
# that fails before it starts the command (a boot that hangs or oopses) is
# booted once more: nothing of the command has run yet.
run_in_vm() {
	local io rc attempt
	io=$(mktemp -d "$work/io.XXXXXX") || exit 125
	write_io "$io" "$@"
	for attempt in 1 2; do
		boot_once "$io" && break
		echo "tests/vm: the guest did not start the command within ${boot_timeout}s" \
			"(attempt $attempt); console log:" >&2
		tail -n 30 "$io/console.log" >&2
		[ "$attempt" = 2 ] && exit 125
		cp "$io/console.log" "$io/console.log.$attempt"
	done
	if [ ! -f "$io/status" ]; then
		echo "tests/vm: the guest did not finish the command (qemu exited $qemu_rc);" \
			"console log $io/console.log:" >&2
		tail -n 30 "$io/console.log" >&2
		exit 125
	fi
	rc=$(cat "$io/status")
	rm -rf "$io"
	if [ "$rc" = 137 ]; then
		echo "tests/vm: the command ran out of time (${timeout}s)" >&2
		exit 124
	fi
	exit "$rc"
}
