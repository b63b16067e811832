// SPDX-License-Identifier: GPL-2.0-or-later
#include "os/runtime_directory.hpp"

#include <cstdlib>

namespace teredo::os {

std::string runtime_directory_path(std::string_view default_path, std::string_view name) {
  const char* env = std::getenv("RUNTIME_DIRECTORY");
  if (env == nullptr || env[0] != '/') return std::string(default_path);
  std::string_view dir(env);
  dir = dir.substr(0, dir.find(':'));  // several RuntimeDirectory= entries: the first
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  return std::string(dir) + "/" + std::string(name);
}

}  // namespace teredo::os
