#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/netns/hostile_relay.py: hostile traffic against a Teredo relay, for test_relay_hostile.sh.

Run inside a lab namespace (ip netns exec ... /usr/bin/python3 hostile_relay.py SUBCOMMAND ...). It only ever sends
to --relay (198.51.100.20 in the lab) or, for native-flood, to Teredo addresses routed to the relay by the lab.
Subcommands print "RESULT PASS|FAIL <text>" lines (one per check) and figures; exit 1 if a check failed.

  Common options: --relay IP --port P (3545) --bind IP --control SOCKET [--relay-pid PID]. The relay's counters are
  read with `stats` requests on its control socket SOCKET. With --relay-pid, datagrams the kernel dropped before the
  relay read them (UDP RcvbufErrors of the relay's namespace, at most 1% allowed) are subtracted from the expected
  counts.

  spoof --relay IP --port P --bind IP --control SOCKET --dst V6 --dport N --count N [--victim TEREDO_ADDR]
        Teredo packets whose outer source (our socket, BIND:port) does not match their Teredo source address:
        random mapped IPv4/port, our own IPv4 with another port, the victim's (a qualified client's) address; UDP to
        V6:DPORT and ICMPv6 echo requests to V6. Checks drop_source_mapping_mismatch grows by exactly the number sent,
        peers_created does not move.
  bubbles --relay IP --port P --bind IP --control SOCKET --count N
        Bubble flood with random Teredo sources (random server, mapping, flags) and random destinations.
        Checks drop_source_mapping_mismatch grows by the number sent; bubbles_received and peers_created do not move.
  malformed --relay IP --port P --bind IP --control SOCKET
        Categories of malformed encapsulations, each checked against its drop reason: datagram_too_short,
        truncated_auth_header, truncated_origin_indication, not_ipv6 (bad IP versions, garbage), truncated_ipv6_header,
        ipv6_payload_truncated, source_not_teredo, teredo_to_teredo, non_global_destination.
  native-flood --server IP --count N --rate R [--port P]
        From a native IPv6 host: UDP datagrams to N distinct Teredo addresses 2001:0:<server>:<flags>:<port>:<ip>
        (mapped IPv4 198.51.100.128+, distinct by construction), paced at R per second. Prints "sent N seconds S".
        The relay only bubbles to <server> (choose an address of the lab segment that no host answers).
  listen --port N --seconds S
        Count UDP datagrams arriving on [::]:N for S seconds; print "received N".

Packets are built by hand (struct), so the checker does not share code with the relay under test.
"""
import argparse
import ipaddress
import os
import random
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import teredo_packets  # noqa: E402
from teredo_packets import (NH_ICMPV6, NH_UDP, TEREDO_PREFIX, a6, bubble, icmp6, ipv6,  # noqa: E402
                            result, teredo_address, udp6)


# ---------------------------------------------------------------------------------------------- packet building
def echo_request(src, dst, ident=0x4243, seq=1, data=b"hostile-relay"):
    body = struct.pack("!HH", ident, seq) + data
    return ipv6(src, dst, NH_ICMPV6, 64, icmp6(src, dst, 128, 0, body, nonzero_checksum=True))


def random_global_ipv4(rng):
    while True:
        a = ipaddress.IPv4Address(rng.getrandbits(32))
        if a.is_global and not a.is_multicast:
            return str(a)


# ---------------------------------------------------------------------------------------------- relay counters
def read_stats(control, timeout=5.0):
    return teredo_packets.read_stats(control, "udp_datagrams", timeout)


def wait_counters(control, before, targets, timeout=8.0):
    """Wait until every counter in TARGETS grew by at least its target; then until two readings 0.3 s apart agree on
    those counters and udp_datagrams (the relay has read everything), so that a late over-count shows. Returns the
    deltas."""
    deadline = time.monotonic() + timeout
    while True:
        s = read_stats(control)
        if all(s.get(k, 0) - before.get(k, 0) >= v for k, v in targets.items()) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    s = teredo_packets.settled_stats(control, "udp_datagrams", targets.keys())
    return {k: s.get(k, 0) - before.get(k, 0) for k in set(s) | set(before)}


def kernel_udp_drops(pid):
    """UDP RcvbufErrors in the network namespace of process PID (the relay): datagrams the kernel dropped because the
    relay's socket buffer was full never reach the relay, so they cannot be counted by it."""
    if not pid:
        return 0
    try:
        with open(f"/proc/{pid}/net/snmp") as f:
            rows = [line.split() for line in f if line.startswith("Udp:")]
        return int(dict(zip(rows[0][1:], rows[1][1:]))["RcvbufErrors"])
    except (OSError, KeyError, IndexError, ValueError):
        return 0


def check_count(label, key, got, sent, kdrops):
    """GOT must be SENT minus what the kernel dropped before the relay (at most 1% of SENT)."""
    ok = got == sent - kdrops and kdrops * 100 <= sent
    extra = f", {kdrops} dropped by the kernel (socket buffer full) before reaching the relay" if kdrops else ""
    result(ok, f"{label}: {key} +{got} for {sent} sent{extra}")


class Sender:
    def __init__(self, relay, port, bind):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
        self.sock.bind((bind, 0))
        self.bind_ip, self.bind_port = self.sock.getsockname()
        self.dest = (relay, port)
        self.sent = 0

    def send(self, data, pace_every=200):
        for _ in range(50):
            try:
                self.sock.sendto(data, self.dest)
                break
            except BlockingIOError:
                time.sleep(0.001)
            except OSError as e:
                if e.errno == 105:  # ENOBUFS
                    time.sleep(0.001)
                    continue
                raise
        self.sent += 1
        if self.sent % pace_every == 0:
            time.sleep(0.002)  # let the relay's socket buffer drain: the test counts every packet


# ---------------------------------------------------------------------------------------------- subcommands
def cmd_spoof(args):
    rng = random.Random(4380)
    s = Sender(args.relay, args.port, args.bind)
    dst = a6(args.dst)
    before = read_stats(args.control)
    k0 = kernel_udp_drops(args.relay_pid)
    sent = {"random mapping": 0, "own IPv4, other port": 0, "victim address": 0, "echo, random mapping": 0}
    per = max(1, args.count // 4)
    for i in range(per):
        src = teredo_address("198.51.100.10", random_global_ipv4(rng), rng.randrange(1, 65536), rng.getrandbits(16) & 0x3CFF)
        s.send(udp6(src, dst, 40000 + i % 1000, args.dport, b"spoofed %d" % i))
        sent["random mapping"] += 1
    for i in range(per):
        port = rng.randrange(1, 65536)
        if port == s.bind_port:
            port ^= 1
        src = teredo_address("198.51.100.10", s.bind_ip, port)
        s.send(udp6(src, dst, 40000 + i % 1000, args.dport, b"own-ip other port %d" % i))
        sent["own IPv4, other port"] += 1
    victim = a6(args.victim) if args.victim else teredo_address("198.51.100.10", "198.51.100.30", 4380)
    for i in range(per):
        s.send(udp6(victim, dst, 40000 + i % 1000, args.dport, b"hijack %d" % i))
        sent["victim address"] += 1
    for i in range(args.count - 3 * per):
        src = teredo_address("198.51.100.10", random_global_ipv4(rng), rng.randrange(1, 65536))
        s.send(echo_request(src, dst, seq=i & 0xFFFF))
        sent["echo, random mapping"] += 1
    total = sum(sent.values())
    print(f"spoof: sent {total} from {s.bind_ip}:{s.bind_port}: " + ", ".join(f"{k} {v}" for k, v in sent.items()), flush=True)
    k1 = kernel_udp_drops(args.relay_pid)
    d = wait_counters(args.control, before, {"drop_source_mapping_mismatch": total - (k1 - k0)})
    mm = d.get("drop_source_mapping_mismatch", 0)
    check_count("spoofed mapping", "drop_source_mapping_mismatch", mm, total, k1 - k0)
    result(d.get("peers_created", 0) == 0, f"spoofed mapping: peers_created +{d.get('peers_created', 0)} (want 0)")
    return total


def cmd_bubbles(args):
    rng = random.Random(5991)
    s = Sender(args.relay, args.port, args.bind)
    before = read_stats(args.control)
    k0 = kernel_udp_drops(args.relay_pid)
    t0 = time.monotonic()
    for _ in range(args.count):
        src = teredo_address(random_global_ipv4(rng), random_global_ipv4(rng), rng.randrange(1, 65536), rng.getrandbits(16))
        r = rng.random()
        if r < 0.4:
            dst = bytes([0xFE, 0x80]) + bytes(6) + rng.getrandbits(64).to_bytes(8, "big")  # like a reply bubble
        elif r < 0.7:
            dst = teredo_address(random_global_ipv4(rng), random_global_ipv4(rng), rng.randrange(1, 65536))
        else:
            dst = rng.getrandbits(128).to_bytes(16, "big")
        s.send(bubble(src, dst))
    secs = time.monotonic() - t0
    print(f"bubbles: sent {s.sent} in {secs:.2f} s ({s.sent / max(secs, 1e-3):.0f}/s)", flush=True)
    k1 = kernel_udp_drops(args.relay_pid)
    d = wait_counters(args.control, before, {"drop_source_mapping_mismatch": s.sent - (k1 - k0)})
    mm = d.get("drop_source_mapping_mismatch", 0)
    check_count("bubble flood", "drop_source_mapping_mismatch", mm, s.sent, k1 - k0)
    result(d.get("bubbles_received", 0) == 0 and d.get("peers_created", 0) == 0,
           f"bubble flood: bubbles_received +{d.get('bubbles_received', 0)}, peers_created +{d.get('peers_created', 0)} (want 0, 0)")
    result(d.get("bubbles_indirect_sent", 0) == 0,
           f"bubble flood: no bubble sent in answer (bubbles_indirect_sent +{d.get('bubbles_indirect_sent', 0)})")


def cmd_malformed(args):
    rng = random.Random(6081)
    s = Sender(args.relay, args.port, args.bind)
    v6host = a6("2001:db8:100::100")
    own = teredo_address("198.51.100.10", s.bind_ip, s.bind_port)  # a source whose mapping matches our socket
    valid = udp6(own, v6host, 4000, 9, b"x" * 16)
    origin = b"\x00\x00" + struct.pack("!H", 3544 ^ 0xFFFF) + bytes(b ^ 0xFF for b in socket.inet_aton("198.51.100.10"))

    def auth(id_len=0, au_len=0):
        return bytes([0, 1, id_len, au_len]) + os.urandom(id_len + au_len) + os.urandom(8) + b"\0"

    cats = []
    cats.append(("datagram_too_short", [b"", b"\x60", b"\x00", auth() + b"", auth() + b"\x60", origin]))
    cats.append(("truncated_auth_header",
                 [b"\x00\x01", b"\x00\x01\x00", auth()[:12], auth(8, 8)[:20], b"\x00\x01\xff\xff" + bytes(100),
                  b"\x00\x01\x10\x00" + bytes(10)]))
    cats.append(("truncated_origin_indication", [origin[:2], origin[:5], origin[:7], auth() + origin[:4]]))
    bad_versions = []
    for v in (1, 4, 5, 7, 15):  # not 0: 00 00 would be an origin indication
        bad_versions.append(ipv6(own, v6host, NH_UDP, 64, valid[40:], version=v))
    bad_versions.append(auth() + ipv6(own, v6host, NH_UDP, 64, valid[40:], version=4))
    bad_versions.append(origin + ipv6(own, v6host, NH_UDP, 64, valid[40:], version=9))
    bad_versions.append(struct.pack("!BBHHBBII", 0x45, 0, 48, 0, 64, 17, 0xC6336428, 0xC6336414) + bytes(28))  # IPv4
    garbage = []
    while len(garbage) < 50:
        g = os.urandom(rng.randrange(2, 1400))
        if g[0] >> 4 != 6 and g[:2] not in (b"\x00\x00", b"\x00\x01"):
            garbage.append(g)
    cats.append(("not_ipv6", bad_versions + garbage))
    cats.append(("truncated_ipv6_header", [b"\x60\x00", valid[:20], valid[:39], auth() + valid[:30], origin + valid[:8]]))
    cats.append(("ipv6_payload_truncated",
                 [ipv6(own, v6host, NH_UDP, 64, valid[40:], plen=len(valid) - 40 + 1), valid[:45],
                  ipv6(own, v6host, NH_UDP, 64, b"", plen=0xFFFF), auth() + valid[:-1], origin + valid[:41]]))
    cats.append(("source_not_teredo",
                 [udp6(a6("2001:db8:1::1"), v6host, 1, 9, b"n"), bubble(a6("fe80::1"), a6("fe80::2")),
                  udp6(a6("::1"), v6host, 1, 9, b"l"), udp6(a6("2002:c633:6428::1"), v6host, 1, 9, b"6to4"),
                  udp6(a6("2001:1::1"), v6host, 1, 9, b"almost")]))
    cats.append(("teredo_to_teredo",
                 [udp6(own, teredo_address("198.51.100.10", "198.51.100.30", 1234), 1, 9, b"t2t"),
                  echo_request(own, teredo_address("198.51.100.11", "198.51.100.40", 4321))]))
    cats.append(("non_global_destination",
                 [udp6(own, a6("fe80::1"), 1, 9, b"ll"), udp6(own, a6("::1"), 1, 9, b"lo"),
                  udp6(own, a6("::"), 1, 9, b"unspec"), echo_request(own, a6("fe80::1234")),
                  udp6(own, a6("ff02::1"), 1, 9, b"mc"), udp6(own, a6("fec0::1"), 1, 9, b"site")]))

    total_sent = 0
    for reason, pkts in cats:
        before = read_stats(args.control)
        for p in pkts:
            s.send(p, pace_every=1000)
        key = f"drop_{reason}"
        d = wait_counters(args.control, before, {key: len(pkts)}, timeout=6.0)
        got = d.get(key, 0)
        others = {k: v for k, v in d.items() if k.startswith("drop_") and k != key and v}
        total_sent += len(pkts)
        result(got == len(pkts), f"malformed '{reason}': {len(pkts)} sent, {key} +{got}"
                                 + (f" (other drops: {others})" if others else ""))
        if d.get("to_native_packets", 0) > 2 * 5 * 3:  # the background ping's echo replies only
            result(False, f"malformed '{reason}': to_native_packets +{d.get('to_native_packets', 0)}")
    print(f"malformed: {total_sent} datagrams in {len(cats)} categories", flush=True)


def cmd_native_flood(args):
    srv = ipaddress.IPv4Address(args.server).packed
    base = int.from_bytes(ipaddress.IPv4Address("198.51.100.128").packed, "big")
    rng = random.Random(args.seed)
    dests = []
    for i in range(args.count):
        flags = rng.getrandbits(16) & 0x3CFF  # cone bit clear, multicast/global bits clear, random U/G-free bits
        port = i & 0xFFFF
        ip = base + (i >> 16)
        b = TEREDO_PREFIX + srv + struct.pack("!HHI", flags, port ^ 0xFFFF, ip ^ 0xFFFFFFFF)
        dests.append((socket.inet_ntop(socket.AF_INET6, b), args.port))
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    payload = b"native flood"
    t0 = time.monotonic()
    batch = 500
    errors = 0
    for start in range(0, len(dests), batch):
        for d in dests[start:start + batch]:
            try:
                sock.sendto(payload, d)
            except OSError:
                errors += 1
        ahead = (start + batch) / args.rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    secs = time.monotonic() - t0
    print(f"sent {len(dests) - errors} seconds {secs:.2f} errors {errors}", flush=True)


def cmd_listen(args):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.bind(("::", args.port))
    sock.settimeout(0.2)
    n = 0
    deadline = time.monotonic() + args.seconds
    if args.ready:
        open(args.ready, "w").close()
    while time.monotonic() < deadline:
        try:
            sock.recv(2048)
            n += 1
        except socket.timeout:
            pass
    print(f"received {n}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def relay_args(p):
        p.add_argument("--relay", required=True)
        p.add_argument("--port", type=int, default=3545)
        p.add_argument("--bind", required=True)
        p.add_argument("--control", required=True, help="the relay's control socket")
        p.add_argument("--relay-pid", type=int, default=0, help="read the relay's kernel UDP drops via /proc/PID/net")

    p = sub.add_parser("spoof")
    relay_args(p)
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--victim")
    p = sub.add_parser("bubbles")
    relay_args(p)
    p.add_argument("--count", type=int, default=5000)
    p = sub.add_parser("malformed")
    relay_args(p)
    p = sub.add_parser("native-flood")
    p.add_argument("--server", required=True)
    p.add_argument("--count", type=int, default=250000)
    p.add_argument("--rate", type=float, default=40000)
    p.add_argument("--port", type=int, default=9)
    p.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("listen")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--ready")
    args = ap.parse_args()
    {"spoof": cmd_spoof, "bubbles": cmd_bubbles, "malformed": cmd_malformed, "native-flood": cmd_native_flood,
     "listen": cmd_listen}[args.cmd](args)
    sys.exit(1 if teredo_packets.failed else 0)


if __name__ == "__main__":
    main()
