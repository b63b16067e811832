// SPDX-License-Identifier: GPL-2.0-or-later
// teredod-checkconf: checks a teredod or teredod-server configuration file (config/checkconf.hpp).
#include <iostream>
#include <string_view>
#include <vector>

#include "config/checkconf.hpp"
#include "daemon/version.hpp"

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const int status = teredo::config::checkconf_main(args, teredo::daemon::kVersion, std::cout, std::cerr);
  std::cout.flush();
  return status;
}
