#!/usr/bin/env bash
# Makes a Docker engine answer on this machine, or fails saying why. Idempotent and quick when
# Docker already answers (one `docker info`).
#
#   1. When `dockerd` or the static busybox the runtime image needs is missing: installs Debian's
#      docker.io and busybox-static (one `apt-get update`, non-interactive). Needs root.
#   2. When `docker info` does not answer and no dockerd process runs: starts dockerd in the
#      background (log: $HOSTSTACK_DOCKERD_LOG, default /var/log/hoststack-dockerd.log). A dockerd
#      that already runs is waited for, never doubled: a second one would tear down the first
#      one's docker0 bridge.
#   3. Polls `docker info` for up to $HOSTSTACK_DOCKER_WAIT seconds (default 60).
#   4. Removes containers that a killed test run left behind: those labelled both
#      org.testcontainers=true and dev.hoststack.it=true (the label the it module's harness adds)
#      whose test JVM, named by the label dev.hoststack.it.pid, no longer runs (without that label:
#      those older than 30 minutes). The containers of a test run going on meanwhile (another
#      checkout's build) are left alone.
#
# Exit status 0 when Docker answers, 1 with a message on stderr otherwise.
set -euo pipefail

say() { echo "ensure-docker: $*" >&2; }
die() {
  say "FAILED: $*"
  say "the container tests (module it) need a Docker engine; see docs/deployment.md"
  exit 1
}

wait_s=${HOSTSTACK_DOCKER_WAIT:-60}
log=${HOSTSTACK_DOCKERD_LOG:-/var/log/hoststack-dockerd.log}

# Is a live process (not a zombie) with this exact command name running? /proc only: procps may
# be absent.
running() {
  local dir stat
  for dir in /proc/[0-9]*; do
    [ "$(cat "$dir/comm" 2>/dev/null)" = "$1" ] || continue
    stat=$(cat "$dir/stat" 2>/dev/null) || continue
    stat=${stat##*) }            # the fields after "pid (comm) "; the first is the state
    [ "${stat%% *}" = Z ] || return 0
  done
  return 1
}

answers() { docker info >/dev/null 2>&1; }

# 1. Packages. The docker CLI alone (some machines have one in /usr/local/bin) is not enough:
#    dockerd, containerd and runc come with docker.io.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
static_busybox() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }  # ldd fails on static
static_busybox || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ] && ! answers; then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]} and not root: install them (apt-get install ${missing[*]}) or run as root"
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get on this machine"
  say "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
elif [ ${#missing[@]} -gt 0 ]; then
  # Docker answers (a remote DOCKER_HOST, say) but the image build still needs a static busybox.
  for p in "${missing[@]}"; do
    [ "$p" = busybox-static ] || continue
    if [ "$(id -u)" != 0 ]; then
      say "note: no static /bin/busybox; docker/build-image.sh will need one (apt-get install busybox-static)"
      continue
    fi
    say "installing busybox-static (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends busybox-static >&2; } \
      || die "apt-get install busybox-static failed"
  done
fi
command -v docker >/dev/null 2>&1 || die "no docker command after installing docker.io"

# 2. The engine.
if ! answers; then
  if [ -n "${DOCKER_HOST:-}" ]; then
    say "DOCKER_HOST=$DOCKER_HOST is set: waiting for that engine, starting none"
  elif running dockerd; then
    say "a dockerd is running but does not answer yet: waiting for it (not starting a second one)"
  else
    [ "$(id -u)" = 0 ] || die "no dockerd running, and only root can start one"
    command -v dockerd >/dev/null 2>&1 || die "no dockerd binary (package docker.io)"
    say "starting dockerd in the background (log: $log)"
    mkdir -p "$(dirname "$log")"
    # A killed dockerd leaves its pid file; if that pid is reused, the new dockerd refuses to start.
    rm -f /var/run/docker.pid
    setsid nohup dockerd >>"$log" 2>&1 </dev/null &
  fi
  # 3. Wait, bounded.
  deadline=$((SECONDS + wait_s))
  until answers; do
    if [ $SECONDS -ge $deadline ]; then
      [ -f "$log" ] && { say "last lines of $log:"; tail -n 20 "$log" >&2; }
      die "docker info did not answer within ${wait_s}s"
    fi
    sleep 0.2
  done
  say "docker answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
fi

# 4. Leftovers of a killed run (without Ryuk nothing else removes them).
left=""
now=$(date +%s)
for id in $(docker ps -aq --filter label=org.testcontainers=true --filter label=dev.hoststack.it=true); do
  pid=$(docker inspect --format '{{index .Config.Labels "dev.hoststack.it.pid"}}' "$id" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$pid" != "<no value>" ]; then
    if kill -0 "$pid" 2>/dev/null; then
      continue  # its test JVM still runs: not a leftover
    fi
  else
    # made by a harness that did not label its pid: a leftover only once older than any test run
    created=$(docker inspect --format '{{.Created}}' "$id" 2>/dev/null || true)
    created_s=$(date -d "$created" +%s 2>/dev/null || echo 0)
    if [ $((now - created_s)) -lt 1800 ]; then
      continue
    fi
  fi
  left="$left $id"
done
left=${left# }
if [ -n "$left" ]; then
  say "removing $(echo "$left" | wc -w) container(s) left by an earlier test run"
  # shellcheck disable=SC2086
  docker rm -f $left >/dev/null
fi
