// Tests for the workers' statistics: sums over workers and their text.
#include <gtest/gtest.h>

#include "datapath/client_stats.hpp"
#include "datapath/relay_stats.hpp"
#include "datapath/server_stats.hpp"

namespace teredo::datapath {
namespace {

TEST(RelayStats, SumOfWorkersAddsEveryField) {
  RelayStats a, b;
  a.counters.tun_packets = 1;
  b.counters.tun_packets = 2;
  b.counters.peers_given_up = 5;
  a.drops.add(proto::Drop::HandoffFull);
  b.drops.add(proto::Drop::HandoffFull);
  a.peers = 3;
  b.peers = 4;
  a.handed_off = 7;
  b.taken_over = 7;
  a += b;
  EXPECT_EQ(a.counters.tun_packets, 3u);
  EXPECT_EQ(a.counters.peers_given_up, 5u);
  EXPECT_EQ(a.drops.count[static_cast<std::size_t>(proto::Drop::HandoffFull)], 2u);
  EXPECT_EQ(a.peers, 7u);
  EXPECT_EQ(a.handed_off, 7u);
  EXPECT_EQ(a.taken_over, 7u);
  const std::string text = format_relay_stats(a);
  EXPECT_NE(text.find("handed_off 7\ntaken_over 7\n"), std::string::npos) << text;
}

TEST(RelayStats, FormatListsCountersDropsAndTables) {
  RelayStats s;
  s.counters.bubbles_indirect_sent = 3;
  s.drops.add(proto::Drop::QueueFull);
  s.peers = 2;
  s.peer_slots = 64;
  s.peer_table_bytes = 2560;
  s.queued_packets = 1;
  const std::string text = format_relay_stats(s);
  for (const char* line : {"bubbles_indirect_sent 3\n", "drop_queue_full 1\n", "drops_total 1\n", "peers 2\n",
                           "peer_slots 64\n", "peer_table_bytes 2560\n", "queued_packets 1\n", "tun_packets 0\n",
                           "peers_given_up 0\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line;
  for (auto name : proto::kDropNames) EXPECT_NE(text.find("drop_" + std::string(name) + " "), std::string::npos) << name;
}

TEST(ClientStats, TextIsNumericNameValueLines) {
  ClientStats s;
  s.state = core::ClientState::Qualified;
  s.counters.rs_sent = 3;
  const std::string text = format_client_stats(s);
  EXPECT_NE(text.find("state 1\n"), std::string::npos);
  EXPECT_NE(text.find("rs_sent 3\n"), std::string::npos);
  EXPECT_NE(text.find("drops_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("peers_given_up 0\n"), std::string::npos);
  std::size_t lines = 0;
  for (std::size_t pos = 0, next; (next = text.find('\n', pos)) != std::string::npos; pos = next + 1, ++lines) {
    const std::string line = text.substr(pos, next - pos);
    const auto space = line.find(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_EQ(line.find_first_not_of("0123456789", space + 1), std::string::npos) << line;
  }
  EXPECT_EQ(lines, 25u + 1u + proto::kDropCount + 5u);
}

TEST(ServerStats, SumOfWorkersAddsEveryCounterAndDrop) {
  ServerStats a, b;
  a.counters.received = 1;
  b.counters.received = 2;
  a.counters.router_solicitations = 10;
  b.counters.echo_forwarded = 4;  // the last field
  b.drops.add(proto::Drop::TruncatedAuthHeader);
  a += b;
  EXPECT_EQ(a.counters.received, 3u);
  EXPECT_EQ(a.counters.router_solicitations, 10u);
  EXPECT_EQ(a.counters.echo_forwarded, 4u);
  EXPECT_EQ(a.drops.count[static_cast<std::size_t>(proto::Drop::TruncatedAuthHeader)], 1u);
}

TEST(ServerStats, FormatListsEveryDropReason) {
  ServerStats s;
  s.counters.received = 3;
  s.drops.add(proto::Drop::NotIpv6);
  const std::string text = format_stats(s);
  EXPECT_NE(text.find("received 3\n"), std::string::npos);
  EXPECT_NE(text.find("drop_not_ipv6 1\n"), std::string::npos);
  for (auto name : proto::kDropNames) EXPECT_NE(text.find("drop_" + std::string(name) + " "), std::string::npos);
  EXPECT_NE(summarize_stats(s).find("not_ipv6=1"), std::string::npos);
}

}  // namespace
}  // namespace teredo::datapath
