// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the UPnP state file (roles/upnp_state): its text, and reading and writing it, where
// nothing a file can hold stops the daemon: a corrupt one is reported and taken as empty.
#include "roles/upnp_state.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace teredo::roles {
namespace {

namespace fs = std::filesystem;
using Ports = std::vector<std::uint16_t>;

TEST(UpnpStateText, ParsesPortsCommentsAndBlankLines) {
  EXPECT_EQ(parse_upnp_ports(""), Ports{});
  EXPECT_EQ(parse_upnp_ports("# only a comment\n"), Ports{});
  EXPECT_EQ(parse_upnp_ports("3544\n"), (Ports{3544}));
  EXPECT_EQ(parse_upnp_ports("3544"), (Ports{3544}));  // no final newline
  EXPECT_EQ(parse_upnp_ports("# c\n\n 3544 \r\n65535\n1\n"), (Ports{3544, 65535, 1}));
  EXPECT_EQ(parse_upnp_ports("3544\n3544\n"), (Ports{3544}));  // once
}

TEST(UpnpStateText, RefusesAnythingElse) {
  const std::string_view bads[] = {"0\n",
                                   "65536\n",
                                   "-1\n",
                                   "+5\n",
                                   "35 44\n",
                                   "3544x\n",
                                   "0x10\n",
                                   "999999\n",
                                   "port 3544\n",
                                   "1\n2\n3\n4\n5\n",
                                   std::string_view("35\0 44\n", 7)};
  for (std::string_view bad : bads) EXPECT_FALSE(parse_upnp_ports(bad)) << bad;
}

TEST(UpnpStateText, FormatsWhatItParses) {
  const Ports ports{3544, 40000};
  const std::string text = format_upnp_ports(ports);
  EXPECT_EQ(text.front(), '#');
  EXPECT_EQ(parse_upnp_ports(text), ports);
  EXPECT_EQ(parse_upnp_ports(format_upnp_ports({})), Ports{});
}

class UpnpStateFile : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::path(::testing::TempDir()) / ("teredod-upnp-state-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_);
    fs::permissions(base_, fs::perms(0755));
    dir_ = (base_ / "teredod").string();
    file_ = dir_ + "/upnp-teredo";
  }
  void TearDown() override { fs::remove_all(base_); }
  void write(const std::string& text) {
    fs::create_directories(dir_);
    std::ofstream(file_, std::ios::binary) << text;
  }

  fs::path base_;
  std::string dir_;
  std::string file_;
};

TEST_F(UpnpStateFile, MissingIsEmptyAndNotCorrupt) {
  const UpnpPortsFile f = load_upnp_ports(file_);
  EXPECT_TRUE(f.ports.empty());
  EXPECT_FALSE(f.corrupt);
}

TEST_F(UpnpStateFile, StoreCreatesTheDirectoryAndLoadReadsItBack) {
  ASSERT_TRUE(store_upnp_ports(dir_, file_, {3544}));
  EXPECT_EQ(fs::status(dir_).permissions() & fs::perms::all, fs::perms(0755));
  EXPECT_FALSE(fs::exists(file_ + ".new"));
  const UpnpPortsFile f = load_upnp_ports(file_);
  EXPECT_EQ(f.ports, (Ports{3544}));
  EXPECT_FALSE(f.corrupt);
  ASSERT_TRUE(store_upnp_ports(dir_, file_, {3544, 41000}));
  EXPECT_EQ(load_upnp_ports(file_).ports, (Ports{3544, 41000}));
}

TEST_F(UpnpStateFile, StoringNothingRemovesTheFile) {
  ASSERT_TRUE(store_upnp_ports(dir_, file_, {3544}));
  ASSERT_TRUE(store_upnp_ports(dir_, file_, {}));
  EXPECT_FALSE(fs::exists(file_));
  EXPECT_TRUE(store_upnp_ports(dir_, file_, {}));  // already gone: fine
}

TEST_F(UpnpStateFile, KeepsTheNewestWhenThereAreTooMany) {
  ASSERT_TRUE(store_upnp_ports(dir_, file_, {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(load_upnp_ports(file_).ports, (Ports{3, 4, 5, 6}));
}

TEST_F(UpnpStateFile, CorruptFilesAreReportedAndTakenAsEmpty) {
  for (const std::string& bad : {std::string("garbage\n"), std::string("70000\n"), std::string(5000, '1'),
                                 std::string("\xff\xfe\x00\x01", 4), std::string("1\n2\n3\n4\n5\n")}) {
    write(bad);
    const UpnpPortsFile f = load_upnp_ports(file_);
    EXPECT_TRUE(f.corrupt) << bad.size();
    EXPECT_TRUE(f.ports.empty());
  }
}

TEST_F(UpnpStateFile, ASymbolicLinkOrADirectoryIsNotAStateFile) {
  fs::create_directories(dir_);
  std::ofstream(base_ / "elsewhere") << "3544\n";
  fs::create_symlink(base_ / "elsewhere", file_);
  EXPECT_TRUE(load_upnp_ports(file_).corrupt);
  fs::remove(file_);
  fs::create_directory(file_);
  EXPECT_TRUE(load_upnp_ports(file_).corrupt);
  EXPECT_FALSE(store_upnp_ports(dir_, file_, {3544}));  // cannot replace a directory
}

TEST_F(UpnpStateFile, RefusesADirectoryOthersMayWrite) {
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms(0777));
  EXPECT_FALSE(store_upnp_ports(dir_, file_, {3544}));
  EXPECT_FALSE(fs::exists(file_));
}

}  // namespace
}  // namespace teredo::roles
