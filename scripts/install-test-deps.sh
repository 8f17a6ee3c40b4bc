#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: Chromium for the
# end-to-end tests, OpenSSH for the SSH lab, Nix for parsing generated flakes,
# network tools for the lab's namespaces, the userspace VPN daemons the lab's
# overlay stand-in starts from the generated configuration (yggdrasil, nebula,
# tinc, wireguard-go with wireguard-tools), iperf3 and netcat for traffic between
# lab hosts, nginx as the reverse proxy in front of serve mode, and fonts so
# screenshots are legible.
# --no-install-recommends matters: without it wireguard-tools pulls in a kernel.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    exec sudo bash "$0" "$@"
  fi
  echo "install-test-deps: needs root to run apt-get; run it as root." >&2
  exit 2
fi
if ! command -v apt-get >/dev/null; then
  echo "install-test-deps: this script supports Debian/Ubuntu (apt-get) only." >&2
  echo "Install these by hand: chromium openssh-server openssh-client nix-bin nginx jq iproute2 iptables iputils-ping sudo yggdrasil nebula tinc wireguard-go wireguard-tools iperf3 netcat-openbsd" >&2
  exit 2
fi

PACKAGES=(
  chromium
  fonts-dejavu-core
  fonts-liberation
  openssh-server
  openssh-client
  nix-bin
  nginx
  jq
  iproute2
  iptables
  iputils-ping
  procps
  sudo
  ca-certificates
  yggdrasil
  nebula
  tinc
  wireguard-go
  wireguard-tools
  iperf3
  netcat-openbsd
)

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
echo "install-test-deps: installed ${PACKAGES[*]}"
