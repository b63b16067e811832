// teredod-checkconf: checks a teredod or teredod-server configuration file (see checkconf.hpp).
#include <iostream>
#include <string_view>
#include <vector>

#include "config/checkconf.hpp"

#ifndef TEREDOD_VERSION
#define TEREDOD_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const int status = teredo::config::checkconf_main(args, TEREDOD_VERSION, std::cout, std::cerr);
  std::cout.flush();
  return status;
}
