#!/usr/bin/env bash
# Makes sure Debian's docker-compose (v1) is installed: the deploy tests run
# `docker-compose config` to check the compose files offline (no container
# engine needed). Installs it when running as root, as CI does; otherwise
# says what to run and exits 1.
set -euo pipefail

command -v docker-compose >/dev/null && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-compose: docker-compose is missing; run: apt-get install -y docker-compose" >&2
  exit 1
fi
echo "ensure-compose: installing docker-compose" >&2
DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
