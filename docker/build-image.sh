#!/usr/bin/env bash
# Builds the local image the container tests (module it) run everything in, but only when
# `docker image inspect` says it is missing. Nothing is pulled: no registry is needed or used.
#
# The image is a runtime, not the application: a jlink runtime of a JDK 17 (at /opt/java, on the
# PATH), the shared libraries it links against and the ELF interpreter (copied from this machine),
# a static busybox (/bin/sh and friends: Testcontainers needs a shell), /etc/passwd and /etc/group
# with root (0), app (1000) and nobody (65534), and a 1777 /tmp (Netty unpacks its JNI library
# there). The project's jar is NOT in it: tests bind-mount cli/target/hoststack.jar read-only at
# /app/hoststack.jar, so a rebuilt jar never needs a rebuilt image.
#
# The tag is the first 12 hex digits of this file's SHA-256: change the recipe and the next run
# builds a new image; the it module's harness computes the same name from this file.
#
# Usage: docker/build-image.sh            build if missing; print the image name on stdout
#        docker/build-image.sh --name     print the image name only
#        docker/build-image.sh --force    build even if it exists
# Environment: HOSTSTACK_IMAGE_JDK  the JDK to jlink from (default: a JDK 17 with jmods: JAVA_HOME,
#              then the one javac on the PATH belongs to, then /usr/lib/jvm/java-17-openjdk-*)
#              BUSYBOX  a statically linked busybox (default /bin/busybox, package busybox-static)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=hoststack/runtime
# Every module the shaded jar needs (jdeps --print-module-deps cli/target/hoststack.jar: java.base,
# java.compiler, java.sql, jdk.unsupported), what Guice and Netty use (java.logging, jdk.jfr,
# jdk.unsupported), and what Netty reads reflectively when present (java.management). The it
# module's RuntimeImageIT fails when jdeps finds a module of the current jar missing here.
modules=java.base,java.compiler,java.logging,java.management,java.naming,java.sql,jdk.jfr,jdk.unsupported

image="$repo:$(sha256sum "$here/build-image.sh" | cut -c1-12)"
say() { echo "build-image: $*" >&2; }
die() { say "FAILED: $*"; exit 1; }

force=false
case "${1:-}" in
  --name) echo "$image"; exit 0 ;;
  --force) force=true ;;
  "") ;;
  *) die "unknown option '$1' (known: --name, --force)" ;;
esac

docker info >/dev/null 2>&1 || die "Docker does not answer (docker info); run docker/ensure-docker.sh first"
if ! $force && docker image inspect "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi

# The JDK to link from: feature release 17 with jmods (JDK 17's jlink needs them).
is_jdk17() {
  [ -x "$1/bin/jlink" ] && [ -f "$1/jmods/java.base.jmod" ] && grep -q '^JAVA_VERSION="17[."]' "$1/release" 2>/dev/null
}
jdk=${HOSTSTACK_IMAGE_JDK:-}
if [ -z "$jdk" ]; then
  for candidate in "${JAVA_HOME:-}" \
      "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")" \
      /usr/lib/jvm/java-17-openjdk-*; do
    if [ -n "$candidate" ] && is_jdk17 "$candidate"; then jdk=$candidate; break; fi
  done
fi
[ -n "$jdk" ] || die "no JDK 17 with jmods found: set HOSTSTACK_IMAGE_JDK (Debian: openjdk-17-jdk-headless)"
[ -x "$jdk/bin/jlink" ] || die "$jdk has no bin/jlink"
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || die "no $busybox: apt-get install busybox-static (or set BUSYBOX)"
if ldd "$busybox" >/dev/null 2>&1; then die "$busybox is dynamically linked: use busybox-static's"; fi

start=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/hoststack-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"

say "jlink $modules from $jdk"
"$jdk/bin/jlink" --add-modules "$modules" --output "$root/opt/java" \
  --strip-debug --no-header-files --no-man-pages --generate-cds-archive >&2

# Shared libraries: everything ldd resolves for the launcher and every library of the runtime,
# copied to the same path (links followed), plus the ELF interpreter; plus glibc's other small
# libraries, which JNI code loaded at run time links against (Netty's epoll library needs
# libdl.so.2 and librt.so.1, which nothing of the JDK's does).
libs=$(find "$root/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
  | xargs -0 -n 1 ldd 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
libc=$(printf '%s\n' "$libs" | grep '/libc\.so\.6$' | head -n 1)
[ -n "$libc" ] || die "ldd found no libc.so.6 for the runtime"
for name in libdl.so.2 librt.so.1 libpthread.so.0 libresolv.so.2 libutil.so.1; do
  [ -e "$(dirname "$libc")/$name" ] && libs="$libs $(dirname "$libc")/$name"
done
for lib in $libs; do
  case "$lib" in "$root"/*) continue ;; esac
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || die "the ELF interpreter was not among ldd's output"

# busybox and its applets (symlinks at the paths busybox itself lists).
mkdir -p "$root/bin"
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done

mkdir -p "$root/etc" "$root/app" "$root/run/hoststack" "$root/root" "$root/tmp"
chmod 1777 "$root/tmp"
chmod 0777 "$root/run/hoststack"
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
app:x:1000:
nogroup:x:65534:
GROUP
cat >"$root/etc/nsswitch.conf" <<'NSS'
passwd: files
group: files
hosts: files dns
NSS

jdk_version=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jdk/release")
say "importing $image ($(du -sh "$root" | cut -f1))"
tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . \
  | docker import \
      -c 'ENV PATH=/opt/java/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -c 'ENV JAVA_HOME=/opt/java' \
      -c 'WORKDIR /tmp' \
      -c "LABEL dev.hoststack.runtime.jdk=$jdk_version dev.hoststack.runtime.modules=$modules" \
      -m "hoststack runtime: jlink $jdk_version ($modules) + busybox" \
      - "$image" >/dev/null

# Check the result: the runtime starts in it.
docker run --rm --network none "$image" java -version >/dev/null 2>&1 \
  || { docker image rm "$image" >/dev/null 2>&1 || true; die "java does not start in $image (removed it)"; }
say "built $image in $((SECONDS - start)) s"
# Older recipes' images are of no further use (86 MB each): remove them.
docker images --format '{{.Repository}}:{{.Tag}}' "$repo" | grep -vxF "$image" | xargs -r docker image rm >/dev/null 2>&1 || true
echo "$image"
