#!/usr/bin/env bash
# Installs what `npm run bench:ssh` compares the app's "Check machines" with: Ansible
# (Debian's ansible-core: the `ansible` ad-hoc command) and parallel-ssh (Debian's
# pssh). The SSH lab the benchmark runs against needs scripts/install-test-deps.sh
# as well (OpenSSH, iproute2, iptables) and root.
# --no-install-recommends keeps ansible-core from pulling in extras it does not need.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    exec sudo bash "$0" "$@"
  fi
  echo "install-bench-deps: needs root to run apt-get; run it as root." >&2
  exit 2
fi
if ! command -v apt-get >/dev/null; then
  echo "install-bench-deps: this script supports Debian/Ubuntu (apt-get) only." >&2
  echo "Install these by hand: ansible-core pssh (the benchmark runs 'ansible' and 'parallel-ssh')" >&2
  exit 2
fi

PACKAGES=(
  ansible-core
  pssh
)

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
echo "install-bench-deps: installed ${PACKAGES[*]}"
