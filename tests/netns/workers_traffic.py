# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/netns/workers_traffic.py: traffic for test_relay_workers.sh (many peers, so that every relay worker owns some).

  sources RELAY PORT SERVER MAPPED_IP COUNT DST SINK_PORT
      From COUNT UDP sockets bound to MAPPED_IP (ephemeral ports), one Teredo datagram each to RELAY:PORT: an IPv6/UDP
      packet whose source is the Teredo address of that socket's mapping (server SERVER, no NAT in between, so the
      relay's mapping check passes) and whose destination is DST:SINK_PORT, payload "w<i>". Prints "sent N".
  sink PORT COUNT TIMEOUT
      Receives UDP on [::]:PORT until COUNT distinct payloads arrived or TIMEOUT seconds passed. Prints "received N".
      Started before the sources; writes "listening" first.
  native SERVER COUNT PORT
      Sends one UDP datagram to each of COUNT distinct Teredo addresses (server SERVER) on PORT. Prints "sent N".
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from teredo_packets import a6, teredo_address, udp6  # noqa: E402


def sources(relay, port, server, mapped_ip, count, dst, sink_port):
    socks = []
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((mapped_ip, 0))
        socks.append(s)
    for i, s in enumerate(socks):
        src = teredo_address(server, mapped_ip, s.getsockname()[1])
        s.sendto(udp6(src, a6(dst), 40000 + i, sink_port, b"w%d" % i), (relay, port))
        if i % 32 == 31:
            time.sleep(0.005)
    print(f"sent {count}")


def sink(port, count, timeout):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", port))
    s.settimeout(0.2)
    print("listening", flush=True)
    seen = set()
    end = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < end:
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        seen.add(data)
    print(f"received {len(seen)}", flush=True)


def native(server, count, port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for i in range(count):
        # Distinct mapped addresses 192.0.2.x / 203.0.113.x and ports: distinct Teredo destinations.
        mapped = f"{192 if i % 2 else 203}.{0 if i % 2 else 0}.{2 if i % 2 else 113}.{1 + (i // 2) % 250}"
        dst = teredo_address(server, mapped, 1024 + i)
        s.sendto(b"n%d" % i, (socket.inet_ntop(socket.AF_INET6, dst), port))
        if i % 64 == 63:
            time.sleep(0.002)
    print(f"sent {count}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "sources":
        sources(args[0], int(args[1]), args[2], args[3], int(args[4]), args[5], int(args[6]))
    elif cmd == "sink":
        sink(int(args[0]), int(args[1]), float(args[2]))
    elif cmd == "native":
        native(args[0], int(args[1]), int(args[2]))
    else:
        sys.exit(f"unknown command {cmd}")
