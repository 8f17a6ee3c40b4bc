# TEST DOUBLE LIBRARY, not part of NixOS: shared by the test doubles that stand in for NixOS's commands on the SSH
# lab's NixOS stand-in hosts (test/lab/nixos.ts). NixOS cannot run on the build machines, so these doubles answer
# the commands the app's deploy runs (docs/deploy.md) the way NixOS would, check what they were given, and record
# every call in the host's own log, which the tests read.
#
# Every value is handled as an argument: quoted everywhere, never evaluated, never spliced into code.
# shellcheck shell=bash

lab_state=/var/lib/cnd-lab
lab_run=/run/cnd-lab
# The PATH units of the systemd-run double run with (systemd's own default for services).
lab_unit_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

lab_die() {
  printf '%s\n' "$@" >&2
  exit 1
}

# Appends one record to the host's log: TYPE, the number of fields, then the fields, each ended by a NUL byte (a
# NUL cannot occur in an argument, so every byte arrives as sent). The lock keeps records of parallel calls whole.
lab_record() {
  local type=$1
  shift
  {
    flock 9 || exit 1
    printf '%s\0%s\0' "$type" "$#" >&9
    if [ "$#" -gt 0 ]; then printf '%s\0' "$@" >&9; fi
  } 9>>"$lab_state/calls.log" || lab_die "test double: could not write the call log $lab_state/calls.log"
}

# Records a call of COMMAND: the time, the command, $0 (which copy ran, e.g. a system's own switch-to-configuration),
# the effective user id, the argument count and the arguments, then the environment variables the deploy passes.
lab_record_call() {
  local command=$1
  shift
  local env=() name
  for name in SOPS_AGE_KEY_FILE NIXOS_INSTALL_BOOTLOADER LOCALE_ARCHIVE SUDO_USER; do
    if [ -n "${!name+set}" ]; then env+=("$name=${!name}"); fi
  done
  lab_record call "$EPOCHREALTIME" "$command" "$0" "$EUID" "$#" "$@" "${env[@]}"
}

lab_record_event() {
  lab_record event "$EPOCHREALTIME" "$@"
}

# Sleeps SECONDS on behalf of COMMAND and records how long it asked for and how long it took, so a benchmark can
# subtract the doubles' own time from the wall time.
lab_sleep() {
  local command=$1 seconds=$2 start end
  start=${EPOCHREALTIME/[.,]/}
  sleep "$seconds"
  end=${EPOCHREALTIME/[.,]/}
  lab_record sleep "$EPOCHREALTIME" "$command" "$seconds" "$((end - start))"
}

# Reads a fault switch the lab set (test/lab/nixos.ts setFault): the first line of faults/NAME into lab_fault_kind,
# the rest into lab_fault_value. Returns 1 when the switch is off.
lab_fault() {
  local file="$lab_state/faults/$1"
  lab_fault_kind=
  lab_fault_value=
  [ -f "$file" ] || return 1
  IFS= read -r lab_fault_kind <"$file" || true
  lab_fault_value=$(tail -n +2 -- "$file")
  return 0
}

# 32 characters of Nix's base-32 alphabet (no e, o, t, u) derived from TEXT: the hash part of a store path.
lab_store_hash() {
  local hex alphabet=0123456789abcdfghijklmnpqrsvwxyz out='' i
  hex=$(printf '%s' "$1" | sha256sum)
  for ((i = 0; i < 32; i++)); do
    out+=${alphabet:$((16#${hex:i*2:2} % 32)):1}
  done
  printf '%s' "$out"
}

# Checks an uploaded flake against its manifest (.clan-designer/manifest.json, written by the app's generator):
# every listed file must be there, a regular file, with the listed SHA-256. Exits with a clear error otherwise.
# Hashes every file of the flake once, and leaves a hash of all of them (names and contents) in lab_flake_tree:
# like a store path, the stand-in system follows from the whole flake, vars/ and sops/ included.
lab_verify_flake() {
  local dir=$1 who=$2 manifest="$1/.clan-designer/manifest.json" line name i tree=''
  local -a entries=()
  local -A sums=()
  [ -f "$manifest" ] || lab_die "error: $who: the flake in '$dir' has no manifest (.clan-designer/manifest.json), so its files cannot be checked"
  mapfile -d '' entries < <(jq -j 'if .generator == "clan-network-designer" and .formatVersion == 1 and (.files | type == "object")
    then .files | to_entries[] | .key, "\u0000", .value, "\u0000" else error("not a manifest") end' <"$manifest" 2>/dev/null)
  wait "$!" || lab_die "error: $who: '$manifest' is not a manifest of the app's generator"
  # -z: one NUL-ended line per file, "<sha256>  ./<name>", the name unescaped.
  while IFS= read -r -d '' line; do
    name=${line#*  ./}
    sums[$name]=${line%% *}
    tree+="${line%% *} $name"$'\n'
  done < <(cd -- "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum -z --)
  for ((i = 0; i + 1 < ${#entries[@]}; i += 2)); do
    name=${entries[i]}
    case "/$name/" in
      *//* | */./* | */../*) lab_die "error: $who: the manifest lists an unsafe path: $name" ;;
    esac
    [[ ${entries[i + 1]} =~ ^[0-9a-f]{64}$ ]] || lab_die "error: $who: the manifest lists no SHA-256 for: $name"
    [ -n "${sums[$name]+set}" ] || lab_die "error: $who: $name is listed in the manifest but missing from the uploaded flake in '$dir' (or not a regular file)"
    [ "${sums[$name]}" = "${entries[i + 1]}" ] ||
      lab_die "error: $who: $name in the uploaded flake does not match its manifest (sha256 ${sums[$name]}, the manifest says ${entries[i + 1]})"
  done
  lab_flake_tree=$(printf '%s' "$tree" | sha256sum)
  lab_flake_tree=${lab_flake_tree%% *}
}
