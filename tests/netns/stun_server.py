#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal STUN server (RFC 5389 Binding) for the namespace lab: test equipment for tests/netns/test_upnp.sh.

miniupnpd refuses to forward ports while its WAN address is private or reserved, and every documentation range the lab
uses is in its list. With ext_perform_stun=yes it asks a STUN server for its public address instead, and forwards when
that server sees it unchanged (no NAT beyond it). This server answers every Binding Request with the source address
and port it came from (XOR-MAPPED-ADDRESS and MAPPED-ADDRESS), from the address it was sent to; CHANGE-REQUEST is
ignored, as RFC 5389 servers do.

Usage: stun_server.py BIND_ADDRESS [PORT]   (default port 3478; runs until killed; one line per request on stdout)
"""
import socket
import struct
import sys

MAGIC = 0x2112A442
BINDING_REQUEST = 0x0001
BINDING_SUCCESS = 0x0101
MAPPED_ADDRESS = 0x0001
XOR_MAPPED_ADDRESS = 0x0020


def answer(request, source):
    if len(request) < 20:
        return None
    kind, _length, _cookie = struct.unpack("!HHI", request[:8])
    if kind != BINDING_REQUEST:
        return None
    transaction = request[8:20]
    address = struct.unpack("!I", socket.inet_aton(source[0]))[0]
    port = source[1]
    xor = struct.pack("!HHBBHI", XOR_MAPPED_ADDRESS, 8, 0, 1, port ^ (MAGIC >> 16), address ^ MAGIC)
    plain = struct.pack("!HHBBHI", MAPPED_ADDRESS, 8, 0, 1, port, address)
    body = xor + plain
    return struct.pack("!HHI", BINDING_SUCCESS, len(body), MAGIC) + transaction + body


def main():
    bind = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 3478
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((bind, port))
    print(f"stun: listening on {bind}:{port}", flush=True)
    while True:
        request, source = sock.recvfrom(2048)
        reply = answer(request, source)
        if reply is not None:
            sock.sendto(reply, source)
            print(f"stun: {source[0]}:{source[1]} is {source[0]}:{source[1]}", flush=True)


if __name__ == "__main__":
    main()
