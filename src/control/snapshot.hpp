// SPDX-License-Identifier: GPL-2.0-or-later
// What the control channel reports: one snapshot of a daemon's state, counters and, when asked,
// its peers. Built by the thread that owns the core (snapshot_of, answering through port.hpp) or
// from the server workers' published counters (server_snapshot); rendered as JSON (json.hpp) and
// as Prometheus metrics (metrics.hpp) by the control thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "control/upnp_status.hpp"
#include "core/client.hpp"
#include "core/counters.hpp"
#include "core/relay.hpp"
#include "core/server.hpp"
#include "proto/drop.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::control {

/// Peers a `peers` request lists when it names no --limit, and the most it may ask for: the reply
/// and the work on the data path stay bounded however large the table (a relay may hold 2^24).
inline constexpr std::size_t kDefaultPeerLimit = 1000;
inline constexpr std::size_t kMaxPeerLimit = 100000;

/// Which peers the `peers` command wants (parsed from its request line).
struct PeerQuery {
  enum class Sort : std::uint8_t { Address, Mapped, LastReceive, LastSend, Queued, Packets, Bytes };
  bool want_peers = false;
  /// Filter: an IPv6 address or prefix (prefix_len 0..128), or the mapped IPv4 address.
  std::optional<proto::Ipv6Addr> addr;
  unsigned prefix_len = 128;
  std::optional<proto::Ipv4Addr> mapped;
  Sort sort = Sort::Address;
  bool reverse = false;
  std::size_t limit = kDefaultPeerLimit;  // 1..kMaxPeerLimit
};

/// Parses "address|mapped|rx|tx|queued|packets|bytes" (and the long forms last_receive, last_send).
std::optional<PeerQuery::Sort> parse_peer_sort(std::string_view name);
/// Parses the --filter argument into `q` ("2001:0:...", "2001:0:c633:640a::/64", "198.51.100.30").
bool parse_peer_filter(std::string_view text, PeerQuery& q);
/// True when `addr` / `mapped` pass the filter of `q`.
bool peer_matches(const PeerQuery& q, const proto::Ipv6Addr& addr, proto::Ipv4Addr mapped);

struct PeerInfo {
  proto::Ipv6Addr addr;
  proto::Endpoint mapped;
  bool trusted = false;
  bool teredo = false;  // a Teredo address (the prefix in use), else native
  /// Teredo peer: the path in use is not the mapping its address names (a symmetric NAT's port or
  /// a LAN address, verified by an RFC 6081 nonce).
  bool observed_mapping = false;
  bool rfc6081 = false;                // the peer has sent RFC 6081 trailers
  bool local = false;                  // a client of our link, reached at its local address (5.2.8)
  unsigned worker = 0;                 // the data-path worker that owns it (proto::shard_of)
  std::uint16_t random_port = 0;       // RFC 6081 3.3/3.4: our random port for it (0: none)
  std::uint16_t advertised_port = 0;   // what our Random Port trailers tell it (PP: random_port)
  std::uint16_t peer_random_port = 0;  // the Random Port it told us
  std::optional<double> last_rx_age;   // seconds; nullopt: nothing received yet
  double last_tx_age = 0;              // seconds since the entry was created or last sent to
  std::uint32_t queued_packets = 0;
  // Data packets and bytes with this peer (bubbles excluded), from core::PeerEntry.
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

/// Sorts (and trims to q.limit) a peer list as the query asks.
void sort_peers(std::vector<PeerInfo>& peers, const PeerQuery& q);

/// The first q.limit peers in q's order, in O(limit) memory whatever the number offered: the kept
/// peers form a heap whose top is the last of them in q's order, so an offer costs one comparison
/// when it is not kept and O(log limit) when it replaces the top; no offer ever costs more, so a
/// walk can stop between any two. An address already kept is not taken twice (a table walked in
/// slices can show an entry that moved twice).
class PeerSelection {
 public:
  explicit PeerSelection(const PeerQuery& q);
  void offer(const PeerInfo& p);
  /// The selection, in no particular order (sort_peers orders it; merge_snapshots does).
  std::vector<PeerInfo> take();

 private:
  PeerQuery q_;
  std::size_t keep_;
  std::vector<PeerInfo> kept_;  // a heap by q's order: kept_.front() is the last kept
  std::unordered_set<proto::Ipv6Addr> addrs_;
};

/// A peers query over one core's table, walked in slices between packet batches.
struct PeerWalk {
  explicit PeerWalk(const PeerQuery& q) : query(q), selection(q) {}
  PeerQuery query;
  std::size_t cursor = 0;  // the next slot to visit
  PeerSelection selection;
};

struct ClientStatus {
  core::ClientState state = core::ClientState::Probing;
  std::optional<double> state_age;  // seconds since the current state was entered
  std::optional<core::Qualification> qualification;
  proto::Ipv4Addr server;            // ServerAddress
  proto::Ipv4Addr server_secondary;  // ServerAddress2
  proto::Ipv4Addr current_server;
  bool symmetric_nat = false;
  bool nat_type_known = false;
  /// RFC 6081 directives and the alternate address the client offers (its socket on the LAN).
  bool symmetric_nat_support = true;
  bool hairpinning = true;
  proto::Endpoint local;
  /// RFC 6081 3.3 / 3.4: the directives, whether the primary server saw our port unchanged, and
  /// the random ports open for peers.
  bool port_preserving_nat = true;
  bool sequential_nat = true;
  bool port_preserving = false;
  std::size_t random_ports = 0;
  /// RFC 4380 5.2.8: LocalDiscovery as it runs (off when the group could not be joined), and the
  /// clients on our link whose discovery bubble arrived within 600 s (every worker's).
  bool local_discovery = false;
  std::size_t local_peers = 0;
  /// Secure qualification (RFC 4380 5.2.2): ClientIdentifier (none: nonce-only), and whether the
  /// server's last RA asked for a new key.
  std::optional<std::string> client_id;
  bool key_renewal_requested = false;
  /// RFC 6081 3.2: the UPnP mapping the core holds ({} none), and what the set-up's UPnP step
  /// got (upnp_status.hpp; nullopt when this process published none).
  proto::Endpoint upnp_mapping;
  std::optional<UpnpStatus> upnp;
  std::optional<double> last_refresh_age;  // seconds since the server last answered
  std::optional<double> next_refresh_in;   // seconds until the next RS
  /// The relay in use for native IPv6: the trusted native peer heard from most recently.
  std::optional<PeerInfo> native_relay;
};

struct ServerStatus {
  proto::Ipv4Addr primary;
  proto::Ipv4Addr secondary;
  std::uint32_t prefix = 0;
  std::uint32_t mtu = 0;
};

/// One counter's value; `info` points into a counter table (core/counters.hpp).
struct CounterValue {
  const core::CounterInfo* info = nullptr;
  std::uint64_t value = 0;
};

/// Appends every counter of `c` (its table's order) to `out`.
template <class Counters>
void append_counters(std::vector<CounterValue>& out, const Counters& c) {
  core::for_each_counter(c, [&](const core::CounterInfo& info, std::uint64_t value) {
    out.push_back(CounterValue{&info, value});
  });
}

struct ControlSnapshot {
  std::string role;                     // "client", "cone", "restricted" or "server"
  double uptime = 0;                    // seconds since the daemon started (its worker process)
  std::int64_t start_time = 0;          // Unix seconds
  std::optional<std::uint32_t> mtu;     // relay: InterfaceMTU; client: the RA's (when qualified)
  std::optional<std::uint32_t> prefix;  // relay: Prefix
  std::vector<std::string> offloads;    // TUN offloads in use ("csum", "tso6", "uso6")
  std::optional<ClientStatus> client;
  std::optional<ServerStatus> server;

  /// Counters in a stable order (the tables'); all monotonic.
  std::vector<CounterValue> counters;
  proto::DropCounters drops;
  std::optional<std::size_t> peer_count;  // not for the server (stateless)
  std::size_t max_peers = 0;
  std::size_t peer_slots = 0;        // slots allocated for the peer table
  std::size_t peer_table_bytes = 0;  // their memory
  std::size_t queued_packets = 0;
  /// Data-path workers (threads) and, for a relay or client, the peers each owns in worker order.
  unsigned workers = 1;
  std::vector<std::size_t> worker_peers;
  /// Only for the peers command.
  std::vector<PeerInfo> peers;
  /// The longest time a worker spent on one slice of a peers walk since it started (the stall a
  /// query imposes on its packets), over all workers.
  std::chrono::nanoseconds longest_walk_slice{0};
  /// The most CPU time a worker's thread used in one slice (longer wall time: it was preempted).
  std::chrono::nanoseconds longest_walk_slice_cpu{0};
};

/// When the client entered its current state: the worker that qualifies notes each StateChange;
/// a transition the core does not report (down -> probing) is noticed at the next snapshot.
class StateSince {
 public:
  void note(core::ClientState state, core::TimePoint now);
  /// Seconds in `state` at `now` (the state the core is in: a change not noted restarts the clock).
  double age(core::ClientState state, core::TimePoint now);

 private:
  std::optional<core::ClientState> state_;
  core::TimePoint since_{};
};

/// Visits up to `slots` slots of the core's table from walk.cursor and offers walk.selection the
/// peers that match walk.query; true once the whole table has been visited.
bool walk_peers(const core::Relay& relay, PeerWalk& walk, core::TimePoint now, std::size_t slots);
bool walk_peers(const core::Client& client, PeerWalk& walk, core::TimePoint now, std::size_t slots);

/// A relay's snapshot (role, MTU, prefix, counters, drops, tables; peers when q asks, the whole
/// table walked at once: the workers walk it in slices with walk_peers instead).
ControlSnapshot snapshot_of(const core::Relay& relay, const PeerQuery& q, core::TimePoint now);
/// A client's snapshot; `since` tracks its state changes (the qualifying worker's).
ControlSnapshot snapshot_of(const core::Client& client, const PeerQuery& q, core::TimePoint now,
                            StateSince& since);
/// The server's snapshot: its configuration and the counters summed over its workers.
ControlSnapshot server_snapshot(const core::ServerConfig& config, unsigned workers,
                                const core::ServerCounters& counters, const proto::DropCounters& drops);

/// The snapshot parts that need no core: uptime and start time, from the process start.
void fill_process_info(ControlSnapshot& s);

/// One snapshot from the snapshots of a daemon's workers (at least one, same role): counters,
/// drops, peer and queue figures summed (worker_peers lists each worker's peer count), peers
/// merged then sorted and trimmed as `q` asks; for a client, the published UPnP status and its
/// counters (upnp_status.hpp) added once.
ControlSnapshot merge_snapshots(std::vector<ControlSnapshot> parts, const PeerQuery& q);

const char* client_state_name(core::ClientState s);

}  // namespace teredo::control
