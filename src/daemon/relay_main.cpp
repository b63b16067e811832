// teredod: the Teredo relay (RFC 4380 5.4) and, later, client daemon, compatible with miredo(8).
#include "daemon/daemon_main.hpp"
#include "daemon/relay_driver.hpp"

int main(int argc, char** argv) {
  using namespace teredo::daemon;
  return daemon_main(
      argc, argv,
      DaemonMain{kTeredodProgram, "Teredo (RFC 4380) relay and client for Linux.",
                 "SERVER_NAME, if given, is the Teredo server (client mode; ignored by relays).",
                 UsageDefaults{kDefaultTeredodConfig, kDefaultTeredodPidfile, kDefaultTeredodUser},
                 TEREDOD_VERSION, run_teredod});
}
