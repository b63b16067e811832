// What the control channel reports (issue 6): one snapshot of a daemon's state, counters and,
// when asked, its peers. Filled by the thread that owns the core (control_port.hpp) or from the
// server workers' published counters; rendered as JSON (control_json.hpp) and as Prometheus
// metrics (metrics_collector.hpp) by the control thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/client.hpp"
#include "proto/drop.hpp"
#include "proto/ipv4.hpp"
#include "proto/ipv6_address.hpp"

namespace teredo::control {

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
  std::size_t limit = 0;  // 0: all
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
  bool teredo = false;                // a Teredo address (the prefix in use), else native
  std::optional<double> last_rx_age;  // seconds; nullopt: nothing received yet
  double last_tx_age = 0;             // seconds since the entry was created or last sent to
  std::uint32_t queued_packets = 0;
  // Data packets and bytes with this peer (bubbles excluded), from core::PeerEntry.
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

/// Sorts (and trims to q.limit) a peer list as the query asks.
void sort_peers(std::vector<PeerInfo>& peers, const PeerQuery& q);

struct ClientStatus {
  core::ClientState state = core::ClientState::Probing;
  std::optional<double> state_since_age;  // seconds since the current state was entered
  std::optional<core::Qualification> qualification;
  proto::Ipv4Addr server;            // ServerAddress
  proto::Ipv4Addr server_secondary;  // ServerAddress2
  proto::Ipv4Addr current_server;
  bool symmetric_nat = false;
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
  unsigned workers = 0;
};

struct ControlSnapshot {
  std::string role;  // "client", "cone", "restricted" or "server"
  double uptime = 0; // seconds since the control channel started (daemon start-up)
  std::int64_t started_unix = 0;
  std::optional<std::uint32_t> mtu;     // relay: InterfaceMTU; client: the RA's (when qualified)
  std::optional<std::uint32_t> prefix;  // relay: Prefix
  std::vector<std::string> offloads;    // TUN offloads in use ("csum", "tso6", "uso6")
  std::optional<ClientStatus> client;
  std::optional<ServerStatus> server;

  /// Counters in a stable order (the core's field names); all monotonic.
  std::vector<std::pair<std::string_view, std::uint64_t>> counters;
  proto::DropCounters drops;
  std::optional<std::size_t> peer_count;  // not for the server (stateless)
  std::size_t max_peers = 0;
  std::size_t queued_packets = 0;
  /// A relay with several workers: the peers each worker owns, in worker order.
  std::vector<std::size_t> worker_peers;
  /// Only for the peers command.
  std::vector<PeerInfo> peers;
};

/// One snapshot from the snapshots of a relay's workers (at least one, same role): counters,
/// drops, peer and queue figures summed (worker_peers lists each worker's peer count), peers
/// merged then sorted and trimmed as `q` asks.
ControlSnapshot merge_snapshots(std::vector<ControlSnapshot> parts, const PeerQuery& q);

const char* client_state_name(core::ClientState s);

}  // namespace teredo::control
