// teredod: the Teredo relay (RFC 4380 5.4) and, later, client daemon, compatible with miredo(8).
#include "daemon/daemon_main.hpp"
#include "roles/teredod.hpp"

int main(int argc, char** argv) {
  using namespace teredo;  // NOLINT(google-build-using-namespace)
  return daemon::daemon_main(
      argc, argv,
      daemon::DaemonMain{config::kTeredodProgram, "Teredo (RFC 4380) relay and client for Linux.",
                 "SERVER_NAME, if given, is the Teredo server (client mode; ignored by relays).",
                 daemon::UsageDefaults{config::kDefaultTeredodConfig, config::kDefaultTeredodPidfile, config::kDefaultTeredodUser},
                 TEREDOD_VERSION, roles::run_teredod});
}
