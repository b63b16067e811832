// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the UPnP step around the client (roles/upnp_mapping) on the paths that start no UPnP
// process (those talk to an IGD: tests/netns/test_upnp.sh): UPnP off, no local address, and a
// corrupt state file, which is counted, taken as empty and removed.
#include "roles/upnp_mapping.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "roles/upnp_state.hpp"

namespace teredo::roles {
namespace {

namespace fs = std::filesystem;

class UpnpMapping : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(::testing::TempDir()) / ("teredod-upnp-mapping-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "teredod");
    fs::permissions(base_ / "teredod", fs::perms(0755));
    paths_.dir = (base_ / "teredod").string();
    paths_.file = paths_.dir + "/upnp-teredo";
    control::publish_upnp_status(std::nullopt);
  }
  void TearDown() override {
    fs::remove_all(base_);
    control::publish_upnp_status(std::nullopt);
  }

  fs::path base_;
  UpnpStatePaths paths_;
  os::TargetUser nobody_{"nobody", 65534, 65534};
};

TEST(UpnpStatePaths, OneFilePerInterface) {
  const UpnpStatePaths p = upnp_state_paths("teredo");
  EXPECT_EQ(p.dir, "/var/lib/teredod");
  EXPECT_EQ(p.file, "/var/lib/teredod/upnp-teredo");
  EXPECT_EQ(upnp_state_paths("tun2").file, "/var/lib/teredod/upnp-tun2");
}

TEST_F(UpnpMapping, OffWithoutStaleMappingsDoesNothingAndSaysWhy) {
  ClientUpnp upnp(false, "UPnP no", paths_);
  upnp.begin({proto::make_ipv4(10, 77, 0, 2), 3544}, nobody_, "/nonexistent");
  EXPECT_EQ(upnp.finish(), proto::Endpoint{});
  auto s = control::published_upnp_status();
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->enabled);
  EXPECT_EQ(s->detail, "UPnP no");
  EXPECT_EQ(s->counters.failed + s->counters.mapped + s->counters.no_gateway, 0u);
  EXPECT_FALSE(fs::exists(paths_.file));
}

TEST_F(UpnpMapping, NoLocalAddressIsAFailureWithoutAProcess) {
  ClientUpnp upnp(true, "", paths_);
  upnp.begin({proto::Ipv4Addr{}, 3544}, nobody_, "/nonexistent");
  EXPECT_EQ(upnp.finish(), proto::Endpoint{});
  auto s = control::published_upnp_status();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->enabled);
  EXPECT_EQ(s->counters.failed, 1u);
  EXPECT_EQ(s->detail, "no local IPv4 address toward the server");
  EXPECT_FALSE(fs::exists(paths_.file));
}

TEST_F(UpnpMapping, ACorruptStateFileIsCountedTakenAsEmptyAndRemoved) {
  std::ofstream(paths_.file) << "not a port\n";
  ClientUpnp upnp(false, "UPnP no", paths_);
  upnp.begin({proto::make_ipv4(10, 77, 0, 2), 3544}, nobody_, "/nonexistent");
  EXPECT_EQ(upnp.finish(), proto::Endpoint{});
  auto s = control::published_upnp_status();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->counters.state_file_errors, 1u);
  EXPECT_EQ(s->counters.stale_deleted, 0u);
  EXPECT_FALSE(fs::exists(paths_.file));
}

TEST_F(UpnpMapping, ReleaseWithNothingListedOrACorruptFileStartsNoProcess) {
  release_upnp_mappings(nobody_, "/nonexistent", paths_);  // no file
  std::ofstream(paths_.file) << "70000\n";
  release_upnp_mappings(nobody_, "/nonexistent", paths_);
  EXPECT_FALSE(fs::exists(paths_.file));
}

}  // namespace
}  // namespace teredo::roles
