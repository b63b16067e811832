#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/netns/hostile_client.py: hostile Teredo datagrams against a qualified Teredo client, for test_client_hostile.sh.

Run inside the lab's attacker namespace (ip netns exec ... /usr/bin/python3 hostile_client.py CATEGORY ...). It only
ever sends to --target:--port (the client under test, 198.51.100.40 in the lab). Prints "sent N" (N datagrams).

  hostile_client.py CATEGORY --target IP --port P --victim TEREDO_ADDR --server IP --count N [--bind IP]

  ra-wrong-source   router advertisements (valid layout: auth header with a random nonce, origin indication, RA with
                    a prefix naming --server) from the attacker's own address, source port 3544 and random ports
                    -> drop_ra_from_wrong_source
  ra-bad-nonce      the same RAs with the source spoofed to --server:3544 (raw IPv4 socket): half with a random nonce,
                    half without an authentication header -> drop_ra_nonce_mismatch
  mapping-mismatch  ICMPv6 echo requests and bubbles to the victim from Teredo sources (prefix of the victim) whose
                    embedded mapping is not the datagram's outer source -> drop_source_mapping_mismatch
  link-local        ICMPv6 echo requests, bubbles and UDP from fe80:: sources to the victim -> drop_link_local_source
  not-ipv6          random datagrams whose first byte is neither an IPv6 version nor a Teredo indicator -> drop_not_ipv6
  too-short         1-byte datagrams -> drop_datagram_too_short
  truncated-ipv6    an IPv6 version nibble followed by fewer than 40 bytes -> drop_truncated_ipv6_header
  server-unexpected echo requests to the victim with the source spoofed to --server:3544 -> drop_unexpected_from_server
  fake-relay        ICMPv6 echo requests to the victim from a native IPv6 source (as if through a relay): the client
                    must hold them and verify the relay first (connectivity test), never deliver them

Packets are built by hand (struct), so the checker shares no code with the client under test.
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
from teredo_packets import NH_ICMPV6, auth_header, bubble, checksum, icmp6, ipv6, teredo_address, udp6  # noqa: E402


def icmpv6(src, dst, typ, code, body, hlim=64):
    return ipv6(src, dst, NH_ICMPV6, hlim, icmp6(src, dst, typ, code, body))


def echo_request(src, dst):
    return icmpv6(src, dst, 128, 0, struct.pack("!HH", random.getrandbits(16), 1) + os.urandom(16))


def router_advertisement(server):
    """Teredo-encapsulated RA as a server would send it: auth header (random nonce), origin indication, RA."""
    src = ipaddress.IPv6Address("fe80::8000:f227:bec4:6a49").packed
    dst = ipaddress.IPv6Address("fe80::ffff:ffff:ffff").packed
    prefix = bytes([0x20, 0x01, 0, 0]) + ipaddress.IPv4Address(server).packed + bytes(8)
    pio = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 0xFFFFFFFF, 0xFFFFFFFF, 0) + prefix
    mtu = struct.pack("!BBHI", 5, 1, 0, 1280)
    body = struct.pack("!BBHII", 64, 0, 1800, 0, 0) + pio + mtu
    ra = icmpv6(src, dst, 134, 0, body, hlim=255)
    origin = struct.pack("!HH", 0, 3545 ^ 0xFFFF) + bytes(b ^ 0xFF for b in socket.inet_aton("198.51.100.66"))
    return origin, ra


def raw_udp4(src, dst, sport, dport, payload):
    ln = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ln, random.getrandbits(16), 0, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + struct.pack("!HHHH", sport, dport, ln, 0) + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("category")
    ap.add_argument("--target", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--victim", required=True, help="the client's Teredo address")
    ap.add_argument("--server", required=True)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--bind", default="0.0.0.0")
    a = ap.parse_args()

    victim = ipaddress.IPv6Address(a.victim).packed
    vprefix = victim[:8]
    dest = (a.target, a.port)
    socks = {}

    def udp_from(port):
        s = socks.get(port)
        if s is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a.bind, port))
            socks[port] = s
        return s

    raw = None
    if a.category in ("ra-bad-nonce", "server-unexpected"):
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)

    def spoof(payload):
        raw.sendto(raw_udp4(a.server, a.target, 3544, a.port, payload), (a.target, 0))

    sent = 0
    for i in range(a.count):
        c = a.category
        if c == "ra-wrong-source":
            origin, ra = router_advertisement(a.server)
            udp_from(3544 if i % 2 == 0 else 0).sendto(auth_header(os.urandom(8)) + origin + ra, dest)
        elif c == "ra-bad-nonce":
            origin, ra = router_advertisement(a.server)
            spoof((auth_header(os.urandom(8)) if i % 2 == 0 else b"") + origin + ra)
        elif c == "mapping-mismatch":
            # a Teredo source in the victim's prefix whose mapping is some other host, or the attacker's IP with
            # another port than the one it sends from
            if i % 2 == 0:
                src = vprefix + struct.pack("!HH", random.getrandbits(16) & 0x3CFF, random.randrange(1024, 65535) ^ 0xFFFF) + \
                    bytes(b ^ 0xFF for b in socket.inet_aton(f"198.51.100.{random.randrange(100, 200)}"))
            else:
                src = vprefix + struct.pack("!HH", 0, 1000 ^ 0xFFFF) + \
                    bytes(b ^ 0xFF for b in socket.inet_aton("198.51.100.66"))
            pkt = bubble(src, victim) if i % 3 == 0 else echo_request(src, victim)
            udp_from(0).sendto(pkt, dest)
        elif c == "link-local":
            src = ipaddress.IPv6Address(f"fe80::{random.getrandbits(16):x}:{i:x}").packed
            dst = victim if i % 2 == 0 else ipaddress.IPv6Address("fe80::ffff:ffff:ffff").packed
            kind = i % 3
            pkt = echo_request(src, dst) if kind == 0 else bubble(src, dst) if kind == 1 else \
                udp6(src, dst, 5000, 7, b"hostile")
            udp_from(0).sendto(pkt, dest)
        elif c == "not-ipv6":
            first = random.choice([b for b in range(0x10, 0x100) if (b >> 4) != 6])
            udp_from(0).sendto(bytes([first]) + os.urandom(random.randrange(1, 200)), dest)
        elif c == "too-short":
            udp_from(0).sendto(bytes([random.choice([0x60, 0x45, 0x00, 0xFF])]), dest)
        elif c == "truncated-ipv6":
            udp_from(0).sendto(bytes([0x60]) + os.urandom(random.randrange(1, 39)), dest)
        elif c == "server-unexpected":
            src = teredo_address(a.server, "198.51.100.77", 4000)
            spoof(echo_request(src, victim))
        elif c == "fake-relay":
            src = ipaddress.IPv6Address("2001:db8:dead::1").packed
            udp_from(0).sendto(echo_request(src, victim), dest)
        else:
            print(f"unknown category {c}", file=sys.stderr)
            return 2
        sent += 1
        time.sleep(0.0002)
    print(f"sent {sent}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
