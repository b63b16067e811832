// SPDX-License-Identifier: GPL-2.0-or-later
#include "os/directory.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>

namespace teredo::os {

std::vector<std::string> directory_entries(const std::string& dir) {
  std::vector<std::string> out;
  const std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return out;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace teredo::os
