// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the UPnP child's report (roles/upnp_report): the only thing the privileged side reads
// from the process that talks to the IGD. Anything but a well-formed report that fits the
// request is no report at all.
#include "roles/upnp_report.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace teredo::roles {
namespace {

constexpr std::uint16_t kPort = 3544;
constexpr std::uint32_t kGlobal = 0xC633641E;   // 198.51.100.30 (documentation: global for us)
constexpr std::uint32_t kPrivate = 0x0A000001;  // 10.0.0.1

IgdReport report(IgdOutcome o) {
  IgdReport r;
  r.outcome = static_cast<std::uint8_t>(o);
  return r;
}

IgdReport mapped() {
  IgdReport r = report(IgdOutcome::Mapped);
  r.port = kPort;
  r.external = kGlobal;
  return r;
}

std::optional<IgdReport> decode(const IgdReport& r, std::uint16_t asked = kPort, std::size_t stale = 0) {
  const auto bytes = encode_igd_report(r);
  return decode_igd_report(bytes, asked, stale);
}

TEST(UpnpReport, RoundTripsEveryWellFormedOutcome) {
  auto m = decode(mapped());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->port, kPort);
  EXPECT_EQ(m->external, kGlobal);
  EXPECT_TRUE(decode(report(IgdOutcome::Released), 0));
  EXPECT_TRUE(decode(report(IgdOutcome::NoGateway)));
  EXPECT_TRUE(decode(report(IgdOutcome::NoGateway), 0));
  EXPECT_TRUE(decode(report(IgdOutcome::NoLibrary)));
  IgdReport refused = report(IgdOutcome::AddRefused);
  refused.code = 718;
  EXPECT_TRUE(decode(refused));
  IgdReport no_ext = report(IgdOutcome::NoExternalAddress);
  no_ext.code = 501;
  EXPECT_TRUE(decode(no_ext));
  no_ext.port = kPort;  // deleting it failed: still mapped
  EXPECT_TRUE(decode(no_ext));
  IgdReport not_global = report(IgdOutcome::NotGlobal);
  not_global.external = kPrivate;
  EXPECT_TRUE(decode(not_global));
  IgdReport stale = report(IgdOutcome::Released);
  stale.stale_deleted = 2;
  EXPECT_TRUE(decode(stale, 0, 2));
}

TEST(UpnpReport, MalformedBytesAreNoReport) {
  const auto bytes = encode_igd_report(mapped());
  EXPECT_FALSE(decode_igd_report({}, kPort, 0));
  EXPECT_FALSE(decode_igd_report(proto::ByteView(bytes).first(15), kPort, 0));
  std::vector<std::uint8_t> longer(bytes.begin(), bytes.end());
  longer.push_back(0);
  EXPECT_FALSE(decode_igd_report(longer, kPort, 0));
  IgdReport bad_magic = mapped();
  bad_magic.magic ^= 1;
  EXPECT_FALSE(decode(bad_magic));
  for (std::uint8_t o : {0, 9, 255}) {
    IgdReport r = mapped();
    r.outcome = o;
    EXPECT_FALSE(decode(r)) << int(o);
  }
}

TEST(UpnpReport, AReportThatDoesNotFitTheRequestIsNoReport) {
  IgdReport other_port = mapped();
  other_port.port = kPort + 1;
  EXPECT_FALSE(decode(other_port));
  EXPECT_FALSE(decode(mapped(), 0));  // nothing was to be mapped
  IgdReport private_ext = mapped();
  private_ext.external = kPrivate;
  EXPECT_FALSE(decode(private_ext));
  IgdReport zero_ext = mapped();
  zero_ext.external = 0;
  EXPECT_FALSE(decode(zero_ext));
  IgdReport with_code = mapped();
  with_code.code = 1;
  EXPECT_FALSE(decode(with_code));
  EXPECT_FALSE(decode(report(IgdOutcome::Released)));  // a mapping run does not only release
  IgdReport refused_without_code = report(IgdOutcome::AddRefused);
  EXPECT_FALSE(decode(refused_without_code));
  IgdReport refused_with_port = report(IgdOutcome::AddRefused);
  refused_with_port.code = 718;
  refused_with_port.port = kPort;
  EXPECT_FALSE(decode(refused_with_port));
  IgdReport no_gateway_with_port = report(IgdOutcome::NoGateway);
  no_gateway_with_port.port = kPort;
  EXPECT_FALSE(decode(no_gateway_with_port));
  IgdReport global_not_global = report(IgdOutcome::NotGlobal);
  global_not_global.external = kGlobal;
  EXPECT_FALSE(decode(global_not_global));
  IgdReport too_many = report(IgdOutcome::Released);
  too_many.stale_deleted = 3;
  EXPECT_FALSE(decode(too_many, 0, 2));
  IgdReport deleted_without_gateway = report(IgdOutcome::NoGateway);
  deleted_without_gateway.stale_deleted = 1;
  EXPECT_FALSE(decode(deleted_without_gateway, kPort, 1));
}

TEST(UpnpReport, CodesAndOutcomesInWords) {
  EXPECT_EQ(upnp_code_text(718), "718 ConflictInMappingEntry");
  EXPECT_EQ(upnp_code_text(-3), "-3 HTTP error");
  EXPECT_EQ(upnp_code_text(999), "999");
  EXPECT_EQ(describe_igd_report(mapped()), "mapped to 198.51.100.30:3544");
  IgdReport refused = report(IgdOutcome::AddRefused);
  refused.code = 718;
  EXPECT_EQ(describe_igd_report(refused), "the IGD refused AddPortMapping: 718 ConflictInMappingEntry");
  EXPECT_EQ(describe_igd_report(report(IgdOutcome::NoGateway)), "no IGD answered discovery");
}

}  // namespace
}  // namespace teredo::roles
