#!/usr/bin/env bash
# Re-makes the real capture fixtures in this folder. Needs root, tcpdump, dumpcap, editcap
# (Debian: apt-get install -y tcpdump tshark) and python3. Loopback traffic only.
# Usage: bash make-captures.sh [output-dir]   (default: this folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here}"
mkdir -p "$out"

# capture <logfile> <command...>: starts a capture tool in the background, waits until it says it
# is listening, and leaves its pid in $cap_pid.
capture() {
  local log="$1"; shift
  "$@" 2>"$log" &
  cap_pid=$!
  for _ in $(seq 1 100); do
    if grep -q -E 'listening on|Capturing on' "$log"; then return 0; fi
    sleep 0.1
  done
  echo "capture tool did not start: $(cat "$log")" >&2; exit 1
}
stop_capture() {
  sleep 1
  kill -INT "$cap_pid"
  wait "$cap_pid" || true
}
# run_traffic <port> <connections> <host...>: server on the hosts, client alternating over them.
run_traffic() {
  local port="$1" n="$2"; shift 2
  local hosts=()
  for h in "$@"; do hosts+=(--host "$h"); done
  python3 "$here/lineserver.py" "${hosts[@]}" --port "$port" --connections "$n" --timeout 60 >/tmp/lineserver.$port.log &
  local srv=$!
  for _ in $(seq 1 100); do grep -q listening /tmp/lineserver.$port.log && break; sleep 0.1; done
  python3 "$here/lineclient.py" "${hosts[@]}" --port "$port" --count "$n"
  wait "$srv"
}

# 1. classic pcap, -i lo (Ethernet, DLT 1), IPv4 only, microsecond timestamps
capture /tmp/cap1.log tcpdump -i lo -U -w "$out/lo-ipv4-ethernet.pcap" 'tcp port 40101 and host 127.0.0.1'
run_traffic 40101 40 127.0.0.1
stop_capture

# 2a. classic pcap, -i any with Linux cooked v2 (DLT 276), IPv4 + IPv6, nanosecond timestamps
capture /tmp/cap2a.log tcpdump -i any -y LINUX_SLL2 --time-stamp-precision=nano -U -w "$out/any-mixed-sll2-nano.pcap" 'tcp port 40102 and (host 127.0.0.1 or host ::1)'
run_traffic 40102 40 127.0.0.1 ::1
stop_capture

# 2b. classic pcap, -i any with Linux cooked v1 (DLT 113), IPv4 + IPv6, microsecond timestamps
capture /tmp/cap2b.log tcpdump -i any -y LINUX_SLL -U -w "$out/any-mixed-sll.pcap" 'tcp port 40103 and (host 127.0.0.1 or host ::1)'
run_traffic 40103 30 127.0.0.1 ::1
stop_capture

# 3. pcapng written by dumpcap on lo (Ethernet), IPv4 + IPv6
capture /tmp/cap3.log dumpcap -i lo -f 'tcp port 40104 and (host 127.0.0.1 or host ::1)' -w "$out/lo-mixed-dumpcap.pcapng"
run_traffic 40104 30 127.0.0.1 ::1
stop_capture

# 4. raw IP (LINKTYPE_RAW, 101): fixture 1 with its 14-byte Ethernet header chopped off
editcap -C 14 -T rawip -F pcap "$out/lo-ipv4-ethernet.pcap" "$out/lo-ipv4-rawip.pcap"

# 5. pcapng with two interfaces of different link types (Ethernet and Linux cooked v2) in one
#    section: fixtures 1 and 2a merged by time
mergecap -F pcapng -w "$out/merged-eth-sll2.pcapng" "$out/lo-ipv4-ethernet.pcap" "$out/any-mixed-sll2-nano.pcap"

ls -l "$out"/*.pcap "$out"/*.pcapng
