#!/bin/bash
# The first process of an SSH lab host that stands in for NixOS (test/lab/nixos.ts): part of the lab's test
# doubles, not NixOS. NixOS cannot run on the build machines, so this gives one lab host what the deploy expects of a
# NixOS machine, and the host's sshd joins it (nsenter), so that every SSH session sees the same machine.
#
# It runs inside the host's network namespace, in a mount namespace of its own (unshare --mount --propagation
# private), so nothing it mounts is seen by this computer or by any other host, and every mount vanishes with the
# namespace's last process. "Boot":
#   /run             a fresh tmpfs (with /run/sshd), as after a reboot
#   /nix, /home, /var/lib, /usr/local/bin   the host's own folders (its store and profiles, the lab users' homes,
#                    /var/lib/sops-nix and the doubles' state, the doubles first on sshd's default PATH)
#   /etc/os-release  the host's own, saying NixOS 25.11 and that it is the lab's stand-in
#   /run/current-system   the system the system profile points at, as NixOS's activation does at boot
# Then it serves as the stand-in service manager for the systemd-run double: it reads unit names from
# /run/cnd-lab/manager.fifo (root only) and starts each unit as its own child in a session of its own, so units are
# detached from the SSH sessions that asked for them, and are reaped here (this machine's PID 1 reaps no orphans).
#
# Usage: machine.sh HOSTNAME LAB_DIR VIEW_DIR. Prints "ready" on standard output when sshd may join.
set -euo pipefail
host_name=$1
lab_dir=$2
view=$3

hostname "$host_name"
# A handle on the lab's folder: if one of the folders mounted over below holds it (a checkout under /home), it is
# mounted again at its own path inside the new view, so sshd still finds its configuration and keys there.
exec 7<"$lab_dir"
expose_lab_dir() {
  if [ ! -d "$lab_dir/hosts" ]; then
    mkdir -p -- "$lab_dir"
    mount --no-canonicalize --bind /proc/self/fd/7 "$lab_dir"
  fi
}
mount -t tmpfs -o mode=0755,nosuid,nodev,size=64m cnd-lab-run /run
expose_lab_dir
for pair in nix:/nix home:/home var-lib:/var/lib usr-local-bin:/usr/local/bin os-release:/etc/os-release; do
  mount --bind "$view/${pair%%:*}" "${pair#*:}"
  expose_lab_dir
done
exec 7<&-

mkdir -m 0755 /run/sshd /run/cnd-lab /run/cnd-lab/units
if [ -L /nix/var/nix/profiles/system ]; then
  system=$(readlink -f /nix/var/nix/profiles/system)
  ln -s -- "$system" /run/current-system
  ln -s -- "$system" /run/booted-system
fi
mkfifo -m 0600 /run/cnd-lab/manager.fifo
echo $$ >/run/cnd-lab/manager.pid

# One unit: waits for its timer if it has one, then runs its command with systemd's default PATH and the
# environment systemd-run gave it, output to the unit's files (its journal), and records how it ended.
# $1 = the unit's folder. Fixed text; the unit's values are read from its files, never spliced in.
unit_runner='
dir=$1
path=$2
exec </dev/null >>"$dir/manager.log" 2>&1
cd /
. /usr/local/bin/lab-double-lib.sh
echo "$$" >"$dir/pid.tmp" && mv -f -- "$dir/pid.tmp" "$dir/pid"
mapfile -d "" command <"$dir/command"
mapfile -d "" environment <"$dir/environment"
IFS= read -r kind <"$dir/kind"
if [ "$kind" = timer ]; then
  IFS= read -r delay <"$dir/delay"
  sleep "$delay"
  exec 9>>"$dir/lock"
  flock 9
  IFS= read -r state <"$dir/timer"
  [ "$state" = waiting ] || exit 0
  echo elapsed >"$dir/timer"
  lab_record_event timer-elapsed "${dir##*/}"
  flock -u 9
  exec 9>&-
fi
echo running >"$dir/service"
env -i PATH="$path" "${environment[@]}" /bin/sh -c '"'"'exec "$@"'"'"' sh "${command[@]}" >"$dir/stdout" 2>"$dir/stderr"
status=$?
if [ "$status" -eq 0 ]; then result=success; elif [ "$status" -gt 128 ]; then result="signal $((status - 128))"; else result="exit-code $status"; fi
exec 9>>"$dir/lock"
flock 9
echo "$result" >"$dir/result"
echo exited >"$dir/service"
'
unit_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

echo ready
exec >&2
exec 3<>/run/cnd-lab/manager.fifo
set +e
while :; do
  IFS= read -r -d '' unit <&3 || continue
  # Only names the systemd-run double accepts, of units it has written.
  if [[ $unit =~ ^[A-Za-z0-9:_\\@-][A-Za-z0-9:_.\\@-]*$ ]] && [ -f "/run/cnd-lab/units/$unit/kind" ]; then
    (exec setsid bash -c "$unit_runner" cnd-lab-unit "/run/cnd-lab/units/$unit" "$unit_path") &
  fi
done
