// teredod-server: the Teredo server daemon (RFC 4380 5.3), compatible with miredo-server.
#include "daemon/daemon_main.hpp"
#include "daemon/server_driver.hpp"

int main(int argc, char** argv) {
  using namespace teredo::daemon;
  return daemon_main(
      argc, argv,
      DaemonMain{kServerProgram, "Teredo (RFC 4380) server for Linux.",
                 "SERVER_NAME, if given, is the primary server IPv4 address or host name; it replaces\n"
                 "ServerBindAddress and ServerBindAddress2 (the secondary becomes primary + 1).",
                 UsageDefaults{kDefaultServerConfig, kDefaultServerPidfile, kDefaultServerUser},
                 TEREDOD_VERSION, run_server});
}
