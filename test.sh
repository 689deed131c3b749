#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests need (redis-server
# from Debian, garnet-server as a pinned dotnet tool), builds the solution and runs all test
# projects. The tests start their own servers on free loopback ports and stop them afterwards.
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || need_apt+=(redis-tools)
command -v nginx >/dev/null 2>&1 || need_apt+=(nginx-light)
# The dashboard's browser tests drive Debian's chromium through Playwright (its own browsers cannot be downloaded here).
[ -x "${GG_CHROMIUM:-/usr/bin/chromium}" ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} (Debian)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  # The Debian package starts a system-wide server on 6379; the tests start their own.
  ($SUDO systemctl disable --now redis-server >/dev/null 2>&1 || $SUDO service redis-server stop >/dev/null 2>&1 || true)
  # Likewise nginx: the fleet tests start their own, on free loopback ports.
  ($SUDO systemctl disable --now nginx >/dev/null 2>&1 || $SUDO service nginx stop >/dev/null 2>&1 || true)
fi

if [ -f .config/dotnet-tools.json ]; then
  dotnet tool restore
fi

dotnet build GreenGateway.sln -c Release -nologo -clp:ErrorsOnly
# One test assembly at a time: each starts its own servers on free loopback ports, and running them
# side by side on 2 cores invites port races between assemblies and starves timing-sensitive fixtures.
dotnet test GreenGateway.sln -c Release --no-build -nologo -m:1 "$@"
