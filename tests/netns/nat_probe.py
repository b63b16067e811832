#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What kind of NAT is this? (tests/netns/test_nat_lab.sh checks that each nftables NAT behaves as named.)

  nat_probe.py listen ADDR     on the outside: UDP ADDR:7001, 7002 and 7003. A datagram on any of them is answered
                               from that port with the source seen ("ip:port"); one on 7001 also gets a datagram from
                               7002 to the same source (does the NAT let another port of a contacted address in?).
  nat_probe.py probe ADDR      behind the NAT: one socket sends to ADDR:7001, 7002 and 7003 in turn, and prints
                               "mapping=independent|preserving|sequential|random filtering=address|port m1=P m2=P
                               m3=P". Preserving: the first destination sees the socket's own port, later ones others
                               (RFC 6081 3.3's port-preserving symmetric NAT).
                               Sequential: the three external ports are evenly spaced (any stride: nft's numgen
                               port lands byte-swapped, so 20000, 20001, ... come out 256 apart).
"""
import select
import socket
import sys


def listen(addr):
    socks = []
    for port in (7001, 7002, 7003):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, port))
        socks.append(s)
    while True:
        ready, _, _ = select.select(socks, [], [])
        for s in ready:
            data, src = s.recvfrom(2048)
            s.sendto(f"{src[0]}:{src[1]}".encode(), src)
            if s is socks[0]:
                socks[1].sendto(b"cross", src)


def probe(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)

    def ask(port):
        s.sendto(b"probe", (addr, port))
        cross = False
        seen = None
        deadline = 4
        while deadline > 0 and (seen is None or (port == 7001 and not cross)):
            try:
                data, src = s.recvfrom(2048)
            except socket.timeout:
                break
            if data == b"cross":
                cross = True
            elif src[1] == port:
                seen = int(data.decode().rsplit(":", 1)[1])
            deadline -= 1
        return seen, cross

    m1, cross = ask(7001)
    local = s.getsockname()[1]
    m2, _ = ask(7002)
    m3, _ = ask(7003)
    if None in (m1, m2, m3):
        print(f"mapping=unknown filtering=unknown m1={m1} m2={m2} m3={m3}")
        return 1
    if m1 == m2 == m3:
        mapping = "independent"
    elif m1 == local and m2 != m1 and m3 != m1:
        mapping = "preserving"
    elif (m2 - m1) % 65536 == (m3 - m2) % 65536:
        mapping = "sequential"
    else:
        mapping = "random"
    print(f"mapping={mapping} filtering={'address' if cross else 'port'} m1={m1} m2={m2} m3={m3}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("listen", "probe"):
        print(__doc__)
        sys.exit(2)
    sys.exit(listen(sys.argv[2]) if sys.argv[1] == "listen" else probe(sys.argv[2]))
