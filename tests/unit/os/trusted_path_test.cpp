// SPDX-License-Identifier: GPL-2.0-or-later
// os/trusted_path.hpp against the real file system: a file root runs must be root's, and so must
// every directory above it, none writable by group or others.
#include "os/trusted_path.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace teredo::os {
namespace {

class TrustedPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (files owned by root and by others)";
    // Under /run (root's, mode 755), not /tmp (mode 1777, which no check would pass).
    char tmpl[] = "/run/teredod-trusted.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
    file_ = dir_ + "/hook";
    std::ofstream(file_) << "#!/bin/sh\n";
    ASSERT_EQ(::chmod(file_.c_str(), 0755), 0);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string dir_, file_;
};

TEST_F(TrustedPathTest, RootsFileInRootsDirectoriesIsTrusted) {
  EXPECT_EQ(untrusted_path_problem(file_), std::nullopt);
  EXPECT_EQ(untrusted_directory_problem(dir_), std::nullopt);
  EXPECT_EQ(untrusted_path_problem("/bin/sh"), std::nullopt);  // through the /bin -> usr/bin link
}

TEST_F(TrustedPathTest, AFileOwnedByAnotherUserIsRefused) {
  ASSERT_EQ(::chown(file_.c_str(), 65534, 65534), 0);
  EXPECT_EQ(untrusted_path_problem(file_), file_ + " is owned by uid 65534, not by root");
}

TEST_F(TrustedPathTest, AFileOrADirectoryWritableByOthersIsRefused) {
  ASSERT_EQ(::chmod(file_.c_str(), 0775), 0);
  EXPECT_EQ(untrusted_path_problem(file_), file_ + " is writable by group or others (mode 0775)");
  ASSERT_EQ(::chmod(file_.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir_.c_str(), 0757), 0);
  EXPECT_EQ(untrusted_path_problem(file_), dir_ + " is writable by group or others (mode 0757)");
  EXPECT_EQ(untrusted_directory_problem(dir_), dir_ + " is writable by group or others (mode 0757)");
}

TEST_F(TrustedPathTest, AnythingUnderTmpIsRefused) {
  char tmpl[] = "/tmp/teredod-trusted.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string d = tmpl;
  ASSERT_EQ(::chmod(d.c_str(), 0755), 0);
  EXPECT_EQ(untrusted_directory_problem(d), "/tmp is writable by group or others (mode 1777)");
  ::rmdir(d.c_str());
}

TEST_F(TrustedPathTest, ASymbolicLinkIsJudgedByWhereItLeads) {
  char tmpl[] = "/tmp/teredod-trusted-link.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string link = std::string(tmpl) + "/hook";
  ASSERT_EQ(::symlink(file_.c_str(), link.c_str()), 0);
  EXPECT_EQ(untrusted_path_problem(link), std::nullopt);  // the file it names is root's alone
  ::unlink(link.c_str());
  ::rmdir(tmpl);
  EXPECT_NE(untrusted_path_problem(dir_ + "/missing"), std::nullopt);
  EXPECT_EQ(untrusted_path_problem(dir_), dir_ + " is not a regular file");
}

}  // namespace
}  // namespace teredo::os
