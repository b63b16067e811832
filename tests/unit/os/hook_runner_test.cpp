// SPDX-License-Identifier: GPL-2.0-or-later
// os/hook_runner.hpp with real programs: the environment given and nothing else, the exit status,
// and a program that does not end in time killed with everything it started.
#include "os/hook_runner.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace teredo::os {
namespace {

using namespace std::chrono_literals;

class HookRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/teredod-hook-runner.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string script(const std::string& body) {
    const std::string path = dir_ + "/hook";
    std::ofstream(path) << "#!/bin/sh\n" << body;
    ::chmod(path.c_str(), 0755);
    return path;
  }
  std::string read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string dir_;
};

TEST_F(HookRunnerTest, RunsWithExactlyTheEnvironmentGiven) {
  const std::string hook = script("env | grep -v '^PWD=' | sort > \"$OUT\"\nexit 3\n");
  auto r = run_program(hook, {"OUT=" + dir_ + "/env", "STATE=up"}, 5s);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->timed_out);
  ASSERT_TRUE(WIFEXITED(r->status));
  EXPECT_EQ(WEXITSTATUS(r->status), 3);
  EXPECT_EQ(read("env"), "OUT=" + dir_ + "/env\nSTATE=up\n");
}

TEST_F(HookRunnerTest, AHookPastItsTimeIsKilledWithWhatItStarted) {
  // The hook starts a background child, records its pid, then hangs.
  const std::string hook = script("sleep 60 &\necho $! > \"$OUT\"\nsleep 60\n");
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run_program(hook, {"OUT=" + dir_ + "/child"}, 300ms);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->timed_out);
  ASSERT_TRUE(WIFSIGNALED(r->status));
  EXPECT_EQ(WTERMSIG(r->status), SIGKILL);
  EXPECT_LT(took, 5s);
  const pid_t child = static_cast<pid_t>(std::atoi(read("child").c_str()));
  ASSERT_GT(child, 0);
  // The background sleep was in the hook's process group: killed too (gone, or a zombie of init).
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string pid, comm, state;
    gone = !(stat >> pid >> comm >> state) || state == "Z";
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(gone) << "pid " << child << " still runs";
}

TEST_F(HookRunnerTest, AMissingProgramExits127) {
  auto r = run_program(dir_ + "/missing", {}, 5s);
  ASSERT_TRUE(r);
  ASSERT_TRUE(WIFEXITED(r->status));
  EXPECT_EQ(WEXITSTATUS(r->status), 127);
}

}  // namespace
}  // namespace teredo::os
