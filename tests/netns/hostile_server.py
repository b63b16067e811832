#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/netns/hostile_server.py: hostile traffic against a Teredo server, for test_server_hostile.sh.

Run inside a lab namespace (ip netns exec ... /usr/bin/python3 hostile_server.py SUBCOMMAND ...). It only ever
sends to --server (198.51.100.10 / .11 in the lab). Subcommands:

  attack --server IP --bind IP --control SOCKET
        Send the hostile categories (garbage, truncations, bad RS, policy violations) one after the other. Before and
        after each category the server's counters are read with a `stats` request on its control socket SOCKET
        (drop_<reason> per drop reason); the category's deltas are checked against what the packets must produce. Prints one line per check:
        "RESULT PASS <text>" or "RESULT FAIL <text>". Exit 0 when every check passed, 1 otherwise.
  probe --server IP [--secondary IP] [--bind IP] [--expect-origin IP] [--cone] [--timeout S]
        Send one fresh RS with a random nonce and wait up to --timeout (default 1 s) for a valid RA: from the right
        server address (the secondary one for a cone RS), nonce echoed, origin indication = our public address:port
        (the IP given by --expect-origin, else --bind; the port is our socket's port unless --any-port),
        ICMPv6 RA checksum, hop limit 255, Prefix Information 2001:0:<server>::/64. Prints RESULT lines too.
  flood --server IP --bind IP --count N --seconds S [--ports P]
        Plain-socket RS flood (fallback when teredo-rsflood is not built). Prints "sent N".

Packets are built by hand (struct), so the checker does not share code with the server under test.
"""
import argparse
import ipaddress
import os
import random
import select
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import teredo_packets  # noqa: E402
from teredo_packets import (NH_ICMPV6, NH_UDP, TEREDO_PREFIX, a6, auth_header, bubble, icmp6, ipv6,  # noqa: E402
                            l4_checksum, result, teredo_address)

TEREDO_PORT = 3544
ALL_ROUTERS = ipaddress.IPv6Address("ff02::2").packed
RS_SRC_NONCONE = ipaddress.IPv6Address("fe80::ffff:ffff:ffff").packed  # what Miredo clients send (flags 0)
RS_SRC_CONE = ipaddress.IPv6Address("fe80::8000:ffff:ffff:fffe").packed  # cone flag set


# ---------------------------------------------------------------------------------------------- packet building
def router_solicitation(src=RS_SRC_NONCONE, dst=ALL_ROUTERS, hlim=255, code=0, bad_checksum=False):
    return ipv6(src, dst, NH_ICMPV6, hlim, icmp6(src, dst, 133, code, b"\0\0\0\0", bad_checksum))


def echo_request(src, dst, ident=0x4242, seq=1, data=b"hostile"):
    return ipv6(src, dst, NH_ICMPV6, 64, icmp6(src, dst, 128, 0, struct.pack("!HH", ident, seq) + data))


def expected_truncation_reason(data_len, id_len=0, au_len=0):
    """Drop reason RFC 4380 5.1.1/5.2.3 layering gives to the first DATA_LEN bytes of a nonce-auth RS datagram
    (auth header of 13 + id + au bytes, then IPv6 header 40, then the 8-byte RS)."""
    auth_len = 13 + id_len + au_len
    if data_len < 2:
        return "datagram_too_short"
    if data_len < auth_len:
        return "truncated_auth_header"
    rest = data_len - auth_len
    if rest < 2:
        return "datagram_too_short"
    if rest < 40:
        return "truncated_ipv6_header"
    if rest < 48:
        return "ipv6_payload_truncated"
    return None  # the whole datagram: valid


# ---------------------------------------------------------------------------------------------- server counters
def read_stats(control, timeout=5.0):
    return teredo_packets.read_stats(control, "received", timeout)


def wait_received(control, target, timeout=6.0):
    """Wait until the server's 'received' counter reaches TARGET (its workers publish their counters after each
    batch of datagrams)."""
    deadline = time.monotonic() + timeout
    while True:
        s = read_stats(control)
        if s["received"] >= target or time.monotonic() > deadline:
            return s
        time.sleep(0.1)


def delta(after, before):
    return {k: after.get(k, 0) - before.get(k, 0) for k in after}


# ---------------------------------------------------------------------------------------------- attack
class Attacker:
    def __init__(self, args):
        self.server = args.server
        self.bind = args.bind
        self.control = args.control
        self.rng = random.Random(4380)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.bind, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.port = self.sock.getsockname()[1]
        # our own Teredo address as the server would give it (non-cone): mapping = our bind address and port
        self.own_teredo = teredo_address(self.server, self.bind, self.port)
        self.dst = (self.server, TEREDO_PORT)
        self.total_sent = 0

    def send_all(self, datagrams, pace_every=50, pause=0.002):
        for i, d in enumerate(datagrams):
            self.sock.sendto(d, self.dst)
            if i % pace_every == pace_every - 1:
                time.sleep(pause)  # do not overflow the server's receive buffer: these checks count exactly
        self.total_sent += len(datagrams)
        return len(datagrams)

    def drain(self):
        n = 0
        while select.select([self.sock], [], [], 0)[0]:
            self.sock.recv(65535)
            n += 1
        return n

    def phase(self, name, send, expect, expect_ra=0, expect_forwarded=0, all_dropped=True):
        """Run one category. SEND() sends and returns the number of datagrams the server must receive.
        EXPECT: {drop reason: minimum count}."""
        self.drain()
        before = read_stats(self.control)
        n = send()
        after = wait_received(self.control, before["received"] + n)
        d = delta(after, before)
        got = d["received"]
        result(got >= n, f"[{name}] server received {got} of {n} datagrams sent")
        for reason, want in expect.items():
            have = d.get("drop_" + reason)
            if have is None:
                result(False, f"[{name}] drop_{reason} missing from the server's stats")
                continue
            result(have >= want, f"[{name}] drop_{reason} +{have} (expected >= {want})")
        if all_dropped:
            result(d["drops_total"] >= n, f"[{name}] all dropped: drops_total +{d['drops_total']} (expected >= {n})")
        result(d["router_advertisements"] == expect_ra,
               f"[{name}] router_advertisements +{d['router_advertisements']} (expected {expect_ra})")
        fwd = d["forwarded_teredo"] + d["forwarded_native"]
        result(fwd == expect_forwarded, f"[{name}] forwarded +{fwd} (expected {expect_forwarded})")
        others = {k[5:]: v for k, v in d.items() if k.startswith("drop_") and v and k[5:] not in expect}
        if others:
            print(f"   [{name}] other drop reasons: " + ", ".join(f"{k}+{v}" for k, v in sorted(others.items())),
                  flush=True)
        answers = self.drain()
        if expect_ra == 0 and expect_forwarded == 0:
            result(answers == 0, f"[{name}] no datagram came back to the attacker ({answers})")
        return d

    # (1) garbage
    def garbage(self):
        r = self.rng
        short = [b""] * 10 + [bytes([r.randrange(256)]) for _ in range(10)]
        # empty-ish headers: bare auth / origin indication markers, an origin indication with nothing after it,
        # a nonce-only auth header with nothing after it, an auth header announcing 255+255 bytes of id/value
        empty_ish_too_short = [b"\x00\x00\x00\x00\x00\x00\x00\x00"] * 5 + [auth_header(b"\0" * 8)] * 5
        empty_ish_auth = [b"\x00\x01"] * 5 + [b"\x00\x01\xff\xff" + bytes(60)] * 5
        empty_ish_origin = [b"\x00\x00"] * 5 + [b"\x00\x00\xff\xff\xff"] * 5
        # IPv4-looking: an IPv4/UDP header and some payload; random bytes whose first nibble is neither 0 nor 6
        ipv4ish = []
        for _ in range(20):
            body = os.urandom(r.randrange(0, 64))
            ipv4ish.append(struct.pack("!BBHHHBBH4s4sHHHH", 0x45, 0, 28 + len(body), r.randrange(65536), 0, 64, 17, 0,
                                       ipaddress.IPv4Address("198.51.100.40").packed,
                                       ipaddress.IPv4Address("203.0.113.9").packed, 1234, 3544, 8 + len(body), 0)
                           + body)
        notv6 = []
        for _ in range(100):
            first = r.choice([n for n in range(16) if n not in (0, 6)]) << 4 | r.randrange(16)
            notv6.append(bytes([first]) + bytes(r.randrange(256) for _ in range(r.randrange(1, 1400))))
        self.phase("garbage: empty and 1-byte", lambda: self.send_all(short), {"datagram_too_short": 20})
        self.phase("garbage: bare headers", lambda: self.send_all(empty_ish_too_short + empty_ish_auth +
                                                                     empty_ish_origin),
                   {"datagram_too_short": 10, "truncated_auth_header": 10, "truncated_origin_indication": 10})
        self.phase("garbage: IPv4-looking and non-6 version", lambda: self.send_all(ipv4ish + notv6),
                   {"not_ipv6": 120})
        rnd = [bytes(r.randrange(256) for _ in range(r.randrange(0, 1472))) for _ in range(300)]
        # random bytes behind valid-looking Teredo headers, and IPv6 headers with random contents
        rnd += [b"\x00\x00" + bytes(r.randrange(256) for _ in range(r.randrange(6, 200))) for _ in range(100)]
        rnd += [auth_header(os.urandom(8)) + b"\x60" + os.urandom(r.randrange(0, 300)) for _ in range(100)]
        rnd += [b"\x60" + os.urandom(39 + r.randrange(0, 100)) for _ in range(100)]
        self.phase("garbage: random bytes", lambda: self.send_all(rnd), {})
        # datagrams larger than any Teredo packet (IPv4 fragments, reassembled by the kernel): must not crash
        big = [ipv6(RS_SRC_NONCONE, ALL_ROUTERS, NH_ICMPV6, 255, os.urandom(size - 40))
               for size in (1500, 9000, 40000, 65000)]
        big += [os.urandom(65507)]
        self.phase("garbage: oversized datagrams", lambda: self.send_all(big, pace_every=1, pause=0.05), {})

    # (2) every truncation of a valid RS-with-auth datagram
    def truncations(self):
        full = auth_header(os.urandom(8)) + router_solicitation()
        expect = {}
        cuts = []
        for n in range(len(full)):
            reason = expected_truncation_reason(n)
            expect[reason] = expect.get(reason, 0) + 1
            cuts.append(full[:n])
        print(f"   [truncations] RS-with-auth is {len(full)} bytes; {len(cuts)} truncations, expected reasons: "
              + ", ".join(f"{k}={v}" for k, v in sorted(expect.items())), flush=True)
        self.phase(f"truncations of a {len(full)}-byte RS", lambda: self.send_all(cuts), expect)
        # with a client identifier and an authentication value (RFC 4380 5.1.1)
        full2 = auth_header(os.urandom(8), client_id=b"clid", auth_value=b"auth-val") + router_solicitation()
        expect2, cuts2 = {}, []
        for n in range(len(full2)):
            reason = expected_truncation_reason(n, 4, 8)
            expect2[reason] = expect2.get(reason, 0) + 1
            cuts2.append(full2[:n])
        self.phase(f"truncations of a {len(full2)}-byte RS with id/auth value", lambda: self.send_all(cuts2), expect2)
        # IPv6 payload length consistent with the cut: the ICMPv6 message itself is truncated
        rs = router_solicitation()
        inner = [auth_header(os.urandom(8)) + ipv6(RS_SRC_NONCONE, ALL_ROUTERS, NH_ICMPV6, 255, rs[40:40 + k])
                 for k in range(8)]
        self.phase("RS with a truncated ICMPv6 message", lambda: self.send_all(inner), {"truncated_icmpv6": 8})

    # (3) malformed RS
    def bad_rs(self):
        bad_sum = [auth_header(os.urandom(8)) + router_solicitation(bad_checksum=True) for _ in range(20)]
        bad_sum += [router_solicitation(bad_checksum=True) for _ in range(20)]  # without auth header
        self.phase("RS with a bad ICMPv6 checksum", lambda: self.send_all(bad_sum), {"bad_icmpv6_checksum": 40})
        hop = [auth_header(os.urandom(8)) + router_solicitation(hlim=64) for _ in range(20)]
        hop += [auth_header(os.urandom(8)) + router_solicitation(hlim=h) for h in (0, 1, 128, 254)]
        self.phase("RS with hop limit != 255", lambda: self.send_all(hop), {"bad_hop_limit": 24})
        code = [auth_header(os.urandom(8)) + router_solicitation(code=c) for c in [1] * 20 + [2, 0x80, 0xFF]]
        self.phase("RS with non-zero ICMPv6 code", lambda: self.send_all(code), {"bad_icmpv6_code": 23})

    # (4) policy violations
    def policy(self):
        srv = self.server
        victim = teredo_address(srv, "198.51.100.40", 5555)  # a (fake) client of ours
        spoof_other = teredo_address(srv, "203.0.113.7", 4000)  # mapping of somebody else
        spoof_port = teredo_address(srv, self.bind, (self.port + 1) & 0xFFFF or 1)  # our IP, wrong port
        spoof_ip = teredo_address(srv, "198.51.100.30", self.port)  # our port, another IP
        native = a6("2001:db8:100::100")
        spoofed = []
        for s in (spoof_other, spoof_port, spoof_ip):
            spoofed += [bubble(s, victim) for _ in range(10)]
            spoofed += [echo_request(s, native, seq=i) for i in range(10)]
            spoofed += [auth_header(os.urandom(8)) + bubble(s, victim) for _ in range(5)]
        self.phase("spoofed Teredo source mapping", lambda: self.send_all(spoofed), {"source_mapping_mismatch": 75})

        other_server_client = teredo_address("203.0.113.1", "198.51.100.40", 5555)
        wrong_prefix = b"\x3f\xfe\x83\x1f" + victim[4:]  # pre-RFC 4380 Teredo prefix, same server/mapping
        foreign = [bubble(native, other_server_client) for _ in range(10)]
        foreign += [echo_request(native, other_server_client, seq=i) for i in range(10)]
        foreign += [echo_request(native, wrong_prefix, seq=i) for i in range(10)]
        foreign += [echo_request(native, a6("2001:db8:100::20"), seq=i) for i in range(10)]
        self.phase("native source to a foreign client / wrong prefix", lambda: self.send_all(foreign),
                   {"foreign_client_destination": 40})

        me = self.own_teredo  # correct mapping: these pass the source checks
        ll = [echo_request(me, a6("fe80::1"), seq=i) for i in range(10)]
        ll += [bubble(me, a6("fe80::2")) for _ in range(5)]
        ll += [echo_request(me, a6("ff02::1"), seq=i) for i in range(5)]
        ll += [echo_request(me, a6("::1"), seq=i) for i in range(5)]
        ll += [echo_request(me, a6("fec0::1"), seq=i) for i in range(5)]
        self.phase("packets to link-local / non-global destinations", lambda: self.send_all(ll),
                   {"non_global_destination": 30})
        # the server's own link-local address (RFC 4380 5.2.1: fe80::8000:<port>:<IPv4>, obfuscated, cone flag)
        server_ll = b"\xfe\x80" + bytes(6) + struct.pack("!HH", 0x8000, TEREDO_PORT ^ 0xFFFF) + bytes(
            b ^ 0xFF for b in ipaddress.IPv4Address(srv).packed)
        local = [bubble(me, ALL_ROUTERS) for _ in range(10)] + [bubble(me, server_ll) for _ in range(5)]
        local += [echo_request(me, server_ll, seq=i) for i in range(5)]
        self.phase(f"bubble/echo to ff02::2 and to {ipaddress.IPv6Address(server_ll)} from a global source",
                   lambda: self.send_all(local), {"unexpected_local_destination": 20})
        nonglobal_mapped = [bubble(me, teredo_address(srv, ip, 4000)) for ip in
                            ("10.1.2.3", "127.0.0.1", "192.168.1.1", "224.0.0.1", "0.0.0.0", "255.255.255.255",
                             "169.254.1.1", "100.64.0.1", "172.16.0.1", "192.0.0.1")]
        self.phase("bubbles to clients with non-global mapped IPv4", lambda: self.send_all(nonglobal_mapped),
                   {"non_global_mapped_destination": 10})
        big_icmp = [echo_request(me, native, seq=i, data=os.urandom(200)) for i in range(10)]
        self.phase("echo requests larger than 88 bytes of ICMPv6", lambda: self.send_all(big_icmp),
                   {"oversized_icmpv6": 10})
        udp = [ipv6(me, native, NH_UDP, 64, struct.pack("!HHHH", 1, 2, 8, 0)) for _ in range(10)]
        udp += [ipv6(me, native, 6, 64, os.urandom(20)) for _ in range(10)]
        self.phase("neither bubble nor ICMPv6 (UDP, TCP)", lambda: self.send_all(udp), {"not_bubble_or_icmpv6": 20})

    # non-global IPv4 source (spoofed with a raw IPv4 socket): the server must never answer to it
    def nonglobal_source(self):
        try:
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        except OSError as e:
            print(f"   [non-global IPv4 source] skipped: no raw socket ({e})", flush=True)
            return
        srcs = ["10.99.0.1", "192.168.7.7", "100.64.3.3", "172.16.9.9", "169.254.4.4"]
        dst = ipaddress.IPv4Address(self.server).packed

        def send():
            n = 0
            for s in srcs:
                for _ in range(4):
                    payload = auth_header(os.urandom(8)) + router_solicitation()
                    udp = struct.pack("!HHHH", 40000 + n, TEREDO_PORT, 8 + len(payload), 0) + payload
                    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), n, 0, 64, 17, 0,
                                      ipaddress.IPv4Address(s).packed, dst)
                    raw.sendto(hdr + udp, (self.server, 0))  # UDP checksum 0: none (allowed over IPv4)
                    n += 1
            self.total_sent += n
            return n

        self.phase("RS from spoofed non-global IPv4 sources", send, {"non_global_source": 20})
        raw.close()


def cmd_attack(args):
    a = Attacker(args)
    print(f"   attacker socket {a.bind}:{a.port}, server {a.server}:{TEREDO_PORT}", flush=True)
    a.garbage()
    a.truncations()
    a.bad_rs()
    a.policy()
    if not args.no_spoof:
        a.nonglobal_source()
    print(f"   attack done: {a.total_sent} datagrams sent", flush=True)
    return 1 if teredo_packets.failed else 0


# ---------------------------------------------------------------------------------------------- probe
def parse_ra_reply(data):
    """Return (nonce, confirmation, origin_ip, origin_port, ipv6 bytes) or raise ValueError."""
    if len(data) < 13 or data[0:2] != b"\x00\x01":
        raise ValueError("no authentication header")
    id_len, au_len = data[2], data[3]
    off = 4 + id_len + au_len
    if len(data) < off + 9:
        raise ValueError("truncated authentication header")
    nonce, conf = data[off:off + 8], data[off + 8]
    off += 9
    if len(data) < off + 8 or data[off:off + 2] != b"\x00\x00":
        raise ValueError("no origin indication")
    oport = struct.unpack("!H", data[off + 2:off + 4])[0] ^ 0xFFFF
    oip = str(ipaddress.IPv4Address(bytes(b ^ 0xFF for b in data[off + 4:off + 8])))
    return nonce, conf, oip, oport, data[off + 8:]


def check_ra(ip6, rs_src, server):
    """Checks of the IPv6 RA; returns a list of problems (empty = valid) and the /64 prefix found."""
    problems = []
    if len(ip6) < 40 or ip6[0] >> 4 != 6:
        return ["not IPv6"], None
    plen, nh, hlim = struct.unpack("!HBB", ip6[4:8])
    src, dst, icmp = ip6[8:24], ip6[24:40], ip6[40:40 + plen]
    if len(ip6) != 40 + plen:
        problems.append(f"IPv6 length {len(ip6)} != 40+{plen}")
    if nh != NH_ICMPV6 or len(icmp) < 16 or icmp[0] != 134:
        return problems + ["not an ICMPv6 router advertisement"], None
    if icmp[1] != 0:
        problems.append(f"code {icmp[1]}")
    if hlim != 255:
        problems.append(f"hop limit {hlim}")
    if not (src[0] == 0xFE and (src[1] & 0xC0) == 0x80):
        problems.append(f"source {ipaddress.IPv6Address(src)} not link-local")
    if dst != rs_src:
        problems.append(f"destination {ipaddress.IPv6Address(dst)} != RS source {ipaddress.IPv6Address(rs_src)}")
    if l4_checksum(src, dst, NH_ICMPV6, icmp) != 0:
        problems.append("bad ICMPv6 checksum")
    prefix = None
    opts = icmp[16:]
    while opts:
        if len(opts) < 2 or opts[1] == 0 or len(opts) < opts[1] * 8:
            problems.append("malformed ND option")
            break
        if opts[0] == 3 and opts[1] == 4:
            prefix = (str(ipaddress.IPv6Address(opts[16:32])), opts[2])
        opts = opts[opts[1] * 8:]
    want = str(ipaddress.IPv6Address(TEREDO_PREFIX + ipaddress.IPv4Address(server).packed + bytes(8)))
    if prefix is None:
        problems.append("no prefix information option")
    elif prefix != (want, 64):
        problems.append(f"prefix {prefix[0]}/{prefix[1]} != {want}/64")
    return problems, prefix


def cmd_probe(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.bind or "0.0.0.0", 0))
    lport = s.getsockname()[1]
    nonce = os.urandom(8)
    rs_src = RS_SRC_CONE if args.cone else RS_SRC_NONCONE
    want_from = (args.secondary if args.cone else args.server, TEREDO_PORT)
    want_ip = args.expect_origin or args.bind
    tag = f"[probe {args.label}{' cone' if args.cone else ''}]"
    t0 = time.monotonic()
    s.sendto(auth_header(nonce) + router_solicitation(src=rs_src), (args.server, TEREDO_PORT))
    deadline = t0 + args.timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            result(False, f"{tag} no valid RA within {args.timeout:.1f} s (RS from local port {lport}, "
                          f"nonce {nonce.hex()})")
            return 1
        data, frm = s.recvfrom(65535)
        rtt = (time.monotonic() - t0) * 1000
        try:
            rnonce, conf, oip, oport, ip6 = parse_ra_reply(data)
        except ValueError as e:
            print(f"   {tag} ignoring a {len(data)}-byte datagram from {frm}: {e}", flush=True)
            continue
        if rnonce != nonce:
            print(f"   {tag} ignoring a reply with another nonce {rnonce.hex()}", flush=True)
            continue
        problems, prefix = check_ra(ip6, rs_src, args.server)
        if frm != want_from:
            problems.append(f"came from {frm[0]}:{frm[1]}, expected {want_from[0]}:{want_from[1]}")
        if oip != want_ip or (not args.any_port and oport != lport):
            problems.append(f"origin indication {oip}:{oport}, expected {want_ip}:"
                            f"{'*' if args.any_port else lport}")
        if conf != 0:
            problems.append(f"confirmation byte {conf}")
        figures = (f"RA in {rtt:.1f} ms from {frm[0]}:{frm[1]}, nonce {nonce.hex()} echoed, origin {oip}:{oport}"
                   + (f", prefix {prefix[0]}/{prefix[1]}" if prefix else ""))
        if problems:
            result(False, f"{tag} {figures}: " + "; ".join(problems))
            return 1
        result(True, f"{tag} {figures}")
        return 0


# ---------------------------------------------------------------------------------------------- flood
def cmd_flood(args):
    socks = []
    for _ in range(args.ports):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((args.bind, 0))
        s.setblocking(False)
        socks.append(s)
    pkt_head = b"\x00\x01\x00\x00"
    rs = b"\x00" + router_solicitation()  # confirmation byte of the auth header, then the RS
    dst = (args.server, TEREDO_PORT)
    sent = 0
    t0 = time.monotonic()
    per_tick = max(1, args.count // max(1, int(args.seconds * 100)))
    while sent < args.count:
        for _ in range(per_tick):
            s = socks[sent % len(socks)]
            try:
                s.sendto(pkt_head + sent.to_bytes(8, "big") + rs, dst)
                sent += 1
            except BlockingIOError:
                pass
        # drain answers so the sockets do not fill up
        for s in socks[sent % len(socks):sent % len(socks) + 4]:
            try:
                while True:
                    s.recv(2048)
            except BlockingIOError:
                pass
        target = t0 + sent / args.count * args.seconds
        now = time.monotonic()
        if target > now:
            time.sleep(target - now)
    print(f"sent {sent} in {time.monotonic() - t0:.1f} s", flush=True)
    return 0


# ---------------------------------------------------------------------------------------------- spoofed flood
def cmd_spoof(args):
    """A flood with forged IPv4 sources, aimed at a victim the server is to bounce to: "rs" sends Router
    Solicitations from the victim's address (the server's RAs go to it), "bounce" sends bubbles from random
    spoofed /24s whose Teredo source matches the forged mapping, to a Teredo address naming the victim (the
    server forwards them to it). Prints "sent N in S s"."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    server = ipaddress.IPv4Address(args.server).packed
    victim_teredo = teredo_address(args.server, args.victim, 5555)
    rng = random.Random(7)
    nets = [ipaddress.IPv4Network(n) for n in args.source_nets.split(",")]
    # A pool of prepared datagrams (the flood reuses them; the server keeps no state that would notice).
    pool = []
    for i in range(512):
        if args.kind == "rs":
            src_ip, sport = args.victim, 1024 + rng.randrange(60000)
            payload = auth_header(os.urandom(8)) + router_solicitation()
        else:
            net = nets[i % len(nets)]
            src_ip = str(net.network_address + 1 + rng.randrange(net.num_addresses - 2))
            sport = 1024 + rng.randrange(60000)
            payload = bubble(teredo_address(args.server, src_ip, sport), victim_teredo)
        udp = struct.pack("!HHHH", sport, TEREDO_PORT, 8 + len(payload), 0) + payload
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                          ipaddress.IPv4Address(src_ip).packed, server)
        pool.append(hdr + udp)
    dst = (args.server, 0)
    total = int(args.rate * args.seconds)
    sent = 0
    t0 = time.monotonic()
    while sent < total:
        for _ in range(64):
            try:
                raw.sendto(pool[sent % len(pool)], dst)
            except (BlockingIOError, OSError):
                pass
            sent += 1
        ahead = t0 + sent / args.rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    print(f"sent {sent} in {time.monotonic() - t0:.1f} s", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("attack")
    a.add_argument("--server", required=True)
    a.add_argument("--bind", required=True)
    a.add_argument("--control", required=True, help="the server's control socket")
    a.add_argument("--no-spoof", action="store_true", help="skip the raw-socket non-global IPv4 source packets")
    pr = sub.add_parser("probe")
    pr.add_argument("--server", required=True)
    pr.add_argument("--secondary")
    pr.add_argument("--bind")
    pr.add_argument("--expect-origin")
    pr.add_argument("--any-port", action="store_true", help="do not require origin port == local port (NAT)")
    pr.add_argument("--cone", action="store_true")
    pr.add_argument("--timeout", type=float, default=1.0)
    pr.add_argument("--label", default="")
    f = sub.add_parser("flood")
    f.add_argument("--server", required=True)
    f.add_argument("--bind", required=True)
    f.add_argument("--count", type=int, default=200000)
    f.add_argument("--seconds", type=float, default=10.0)
    f.add_argument("--ports", type=int, default=256)
    sp = sub.add_parser("spoof")
    sp.add_argument("--server", required=True)
    sp.add_argument("--victim", required=True)
    sp.add_argument("--kind", choices=["rs", "bounce"], default="rs")
    sp.add_argument("--source-nets", default="192.0.2.0/24,203.0.113.0/24",
                    help="bounce: the /24s whose addresses the sources forge")
    sp.add_argument("--rate", type=float, default=20000)
    sp.add_argument("--seconds", type=float, default=5)
    args = p.parse_args()
    if args.cmd == "probe" and args.cone and not args.secondary:
        p.error("--cone needs --secondary")
    if args.cmd == "probe" and not (args.expect_origin or args.bind):
        p.error("probe needs --bind or --expect-origin")
    return {"attack": cmd_attack, "probe": cmd_probe, "flood": cmd_flood, "spoof": cmd_spoof}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
