// teredod-server: the Teredo server daemon (RFC 4380 5.3), compatible with miredo-server.
#include "daemon/daemon_main.hpp"
#include "roles/server.hpp"

int main(int argc, char** argv) {
  using namespace teredo;  // NOLINT(google-build-using-namespace)
  return daemon::daemon_main(
      argc, argv,
      daemon::DaemonMain{config::kServerProgram, "Teredo (RFC 4380) server for Linux.",
                 "SERVER_NAME, if given, is the primary server IPv4 address or host name; it replaces\n"
                 "ServerBindAddress and ServerBindAddress2 (the secondary becomes primary + 1).",
                 daemon::UsageDefaults{config::kDefaultServerConfig, config::kDefaultServerPidfile, config::kDefaultServerUser},
                 TEREDOD_VERSION, roles::run_server});
}
