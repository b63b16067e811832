// SPDX-License-Identifier: GPL-2.0-or-later
// Kernel steering of packets to the worker that owns their peer (proto/steering.hpp): a classic
// BPF program on the SO_REUSEPORT group of the workers' UDP sockets (the socket index is the
// owner of the datagram's inner IPv6 source), and an eBPF program on the multi-queue TUN device
// (TUNSETSTEERINGEBPF: the queue index is the owner of the IPv6 destination). Both compute
// proto::shard_of. Each is optional: when the kernel refuses one, the kernel's own choice
// (4-tuple hash, flow table) stands and the workers hand misdirected packets to their owner.
#pragma once

#include "os/os_result.hpp"
#include "proto/steering.hpp"

namespace teredo::os {

/// Attaches the UDP steering program for `workers` sockets to the reuseport group of `fd`
/// (SO_ATTACH_REUSEPORT_CBPF), keyed by `key`. Socket i of the group is the i-th bound. With `auth_to_first`
/// (client) a datagram with an authentication header goes to socket 0.
OsStatus attach_udp_steering(int fd, unsigned workers, const proto::SteeringKey& key,
                             bool auth_to_first = false);

/// Loads the TUN steering program (bpf(BPF_PROG_LOAD), a socket filter: needs CAP_BPF or
/// CAP_SYS_ADMIN unless unprivileged BPF is allowed) and attaches it to the TUN queue `fd`
/// (TUNSETSTEERINGEBPF; the kernel takes the result modulo the number of queues).
OsStatus attach_tun_steering(int fd, const proto::SteeringKey& key);

}  // namespace teredo::os
