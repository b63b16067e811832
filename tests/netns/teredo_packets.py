# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/netns/teredo_packets.py: packet building, RESULT lines and the daemons' counters (read over their control
sockets) shared by the hostile_*.py checkers.

Imported by hostile_client.py, hostile_relay.py and hostile_server.py (they put their own directory first on
sys.path). Packets are built by hand (struct), so the checkers share no code with the daemons under test.
"""
import ipaddress
import json
import os
import socket
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


def query_stats(control):
    """One `stats` request on the daemon's control socket CONTROL (a Unix stream socket: its path reaches the daemon
    from any network namespace): send "stats\\n", read the JSON reply until EOF. Returns it as one flat dict: every
    counter, drop_<reason> for every drop reason, drops_total, and the role's other integer figures
    (peers, queued_packets, peer_slots, peer_table_bytes). Raises OSError or ValueError when there is no answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(control)
        s.sendall(b"stats\n")
        reply = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            reply += b
    d = json.loads(reply)
    if d.get("ok") is not True:
        raise ValueError(f"stats request refused: {d.get('error')}")
    flat = dict(d.get("counters", {}))
    flat.update({"drop_" + k: v for k, v in d.get("drops", {}).items()})
    flat.update({k: v for k, v in d.items() if type(v) is int and k != "schema"})
    return flat


def read_stats(control, counter, timeout=5.0):
    """query_stats(CONTROL), retried every 50 ms while the daemon does not answer (or the reply lacks drops_total or
    COUNTER) until TIMEOUT seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            d = query_stats(control)
            if "drops_total" in d and counter in d:
                return d
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{os.path.basename(sys.argv[0])}: no stats from the control socket {control}")
        time.sleep(0.05)


def settled_stats(control, counter, keys, interval=0.3, timeout=5.0):
    """read_stats until two readings INTERVAL seconds apart agree on COUNTER and every key of KEYS (the daemon has
    processed all its input), at most TIMEOUT seconds; returns the last reading."""
    deadline = time.monotonic() + timeout
    prev = read_stats(control, counter)
    while True:
        time.sleep(interval)
        cur = read_stats(control, counter)
        if all(cur.get(k) == prev.get(k) for k in {counter, *keys}) or time.monotonic() > deadline:
            return cur
        prev = cur
