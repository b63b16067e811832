"""tests/netns/teredo_packets.py: packet building and RESULT lines shared by the hostile_*.py checkers.

Imported by hostile_client.py, hostile_relay.py and hostile_server.py (they put their own directory first on
sys.path). Packets are built by hand (struct), so the checkers share no code with the daemons under test.
"""
import ipaddress
import os
import struct
import sys
import time

TEREDO_PREFIX = bytes([0x20, 0x01, 0x00, 0x00])
NH_UDP = 17
NH_ICMPV6 = 58
NH_NONE = 59

failed = 0  # number of "RESULT FAIL" lines printed by result()


def result(ok, text):
    """Print one check as "RESULT PASS|FAIL <text>" (the test scripts turn these lines into checks)."""
    global failed
    if not ok:
        failed += 1
    print(f"RESULT {'PASS' if ok else 'FAIL'} {text}", flush=True)


def inet_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def checksum(data):
    """Internet checksum of DATA (IPv4 header, or pseudo header + upper-layer message)."""
    return (~inet_sum(data)) & 0xFFFF


def l4_checksum(src, dst, nh, msg):
    """Checksum of an upper-layer message MSG (its checksum field zero) over the IPv6 pseudo header."""
    return checksum(src + dst + struct.pack("!I3xB", len(msg), nh) + msg)


def ipv6(src, dst, nh, hlim, payload, plen=None, version=6):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB", version << 28, plen, nh, hlim) + src + dst + payload


def icmp6(src, dst, typ, code, body, bad_checksum=False, nonzero_checksum=False):
    """ICMPv6 message (not the IPv6 header). nonzero_checksum: send a computed 0 as 0xFFFF."""
    msg = struct.pack("!BBH", typ, code, 0) + body
    c = l4_checksum(src, dst, NH_ICMPV6, msg)
    if nonzero_checksum:
        c = c or 0xFFFF
    if bad_checksum:
        c ^= 0x5A5A
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def udp6(src, dst, sport, dport, data):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = l4_checksum(src, dst, NH_UDP, hdr + data) or 0xFFFF
    return ipv6(src, dst, NH_UDP, 64, hdr[:6] + struct.pack("!H", c) + data)


def bubble(src, dst):
    return ipv6(src, dst, NH_NONE, 64, b"")


def auth_header(nonce, confirmation=0, client_id=b"", auth_value=b""):
    return bytes([0, 1, len(client_id), len(auth_value)]) + client_id + auth_value + nonce + bytes([confirmation])


def teredo_address(server, mapped_ip, mapped_port, flags=0):
    s = ipaddress.IPv4Address(server).packed
    m = bytes(b ^ 0xFF for b in ipaddress.IPv4Address(mapped_ip).packed)
    return TEREDO_PREFIX + s + struct.pack("!HH", flags, mapped_port ^ 0xFFFF) + m


def a6(text):
    return ipaddress.IPv6Address(text).packed


def read_stats(path, counter, timeout=5.0):
    """Parse a teredod stats file ("name value" lines) into a dict; retries while it is missing or caught mid-rewrite
    (no drops_total or no COUNTER line yet)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path) as f:
                text = f.read()
            d = {}
            for line in text.splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1].isdigit():
                    d[parts[0]] = int(parts[1])
            if "drops_total" in d and counter in d:
                return d
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{os.path.basename(sys.argv[0])}: cannot read stats file {path}")
        time.sleep(0.05)
