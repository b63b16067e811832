// SPDX-License-Identifier: GPL-2.0-or-later
// Ownership and mode of a path and its ancestors (trusted_path.hpp).
#include "os/trusted_path.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace teredo::os {

namespace {

std::optional<std::string> check_one(const std::string& path, bool want_dir) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fmt::format("{}: {}", path, std::strerror(errno));
  if (want_dir && !S_ISDIR(st.st_mode)) return path + " is not a directory";
  if (!want_dir && !S_ISREG(st.st_mode)) return path + " is not a regular file";
  if (st.st_uid != 0) return fmt::format("{} is owned by uid {}, not by root", path, st.st_uid);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return fmt::format("{} is writable by group or others (mode {:04o})", path, st.st_mode & 07777);
  return std::nullopt;
}

std::optional<std::string> check_chain(const std::string& path, bool is_dir, bool ancestors) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  if (!real) return fmt::format("{}: {}", path, std::strerror(errno));
  std::string p = real.get();
  if (auto problem = check_one(p, is_dir)) return problem;
  while (ancestors && p != "/") {
    const auto slash = p.rfind('/');
    p = slash == 0 ? "/" : p.substr(0, slash);
    if (auto problem = check_one(p, true)) return problem;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> untrusted_path_problem(const std::string& path) {
  return check_chain(path, false, true);
}

std::optional<std::string> untrusted_directory_problem(const std::string& path, bool ancestors) {
  return check_chain(path, true, ancestors);
}

bool directory_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace teredo::os
