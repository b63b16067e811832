// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the control request line (control/request).
#include "control/request.hpp"

#include <gtest/gtest.h>

namespace teredo::control {
namespace {

TEST(ControlRequest, Parse) {
  auto r = parse_control_request("peers --filter 2001::/32 --sort rx --reverse --limit 5");
  ASSERT_TRUE(std::holds_alternative<ControlRequest>(r));
  const auto& q = std::get<ControlRequest>(r).query;
  EXPECT_TRUE(q.want_peers);
  EXPECT_EQ(q.prefix_len, 32u);
  EXPECT_EQ(q.sort, PeerQuery::Sort::LastReceive);
  EXPECT_TRUE(q.reverse);
  EXPECT_EQ(q.limit, 5u);
  const auto d = parse_control_request("peers");
  ASSERT_TRUE(std::holds_alternative<ControlRequest>(d));
  EXPECT_EQ(std::get<ControlRequest>(d).query.limit, kDefaultPeerLimit);  // bounded unless asked
  EXPECT_TRUE(std::holds_alternative<ControlRequest>(parse_control_request("peers --limit 100000")));
  EXPECT_TRUE(std::holds_alternative<ControlRequest>(parse_control_request("  status  ")));
  for (const char* bad : {"", "reboot", "status now", "peers --sort size", "peers --filter nonsense",
                          "peers --filter 2001::/129", "peers --limit x", "peers --filter", "peers --limit 0",
                          "peers --limit 100001", "peers --limit -1"})
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_control_request(bad))) << bad;
}

}  // namespace
}  // namespace teredo::control
