// SPDX-License-Identifier: GPL-2.0-or-later
// Tests for the metrics endpoint's HTTP (control/http).
#include "control/http.hpp"

#include <gtest/gtest.h>

namespace teredo::control {
namespace {

TEST(HttpHead, CompleteRequestsGiveMethodAndTarget) {
  HttpRequest r;
  ASSERT_EQ(parse_http_head("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", r), HttpHead::Complete);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/metrics");
  ASSERT_EQ(parse_http_head("HEAD /metrics?x=1 HTTP/1.0\n\n", r),
            HttpHead::Complete);  // bare LFs, query dropped
  EXPECT_EQ(r.method, "HEAD");
  EXPECT_EQ(r.target, "/metrics");
}

TEST(HttpHead, IncompleteMalformedAndTooLarge) {
  HttpRequest r;
  EXPECT_EQ(parse_http_head("GET /metrics HTTP/1.1\r\nHost: x\r\n", r), HttpHead::Incomplete);
  EXPECT_EQ(parse_http_head("", r), HttpHead::Incomplete);
  for (const char* bad :
       {"GET\r\n\r\n", "GET /metrics\r\n\r\n", "GET /metrics HTTP/2\r\n\r\n", "G@T /m HTTP/1.1\r\n\r\n",
        "GET metrics HTTP/1.1\r\n\r\n", "GET /m\x01 HTTP/1.1\r\n\r\n", " /m HTTP/1.1\r\n\r\n"})
    EXPECT_EQ(parse_http_head(bad, r), HttpHead::Malformed) << bad;
  EXPECT_EQ(parse_http_head(std::string(kMaxHttpHead, 'a'), r), HttpHead::TooLarge);
}

TEST(HttpReply, MetricsOnlyAtSlashMetricsWithGetOrHead) {
  auto metrics = [](bool head) { return http_response(200, "text/plain", "teredod_up 1\n", head); };
  EXPECT_EQ(http_reply(HttpRequest{"GET", "/metrics", {}}, metrics),
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
            "teredod_up 1\n");
  EXPECT_EQ(http_reply(HttpRequest{"HEAD", "/metrics", {}}, metrics).find("teredod_up"), std::string::npos);
  EXPECT_EQ(http_reply(HttpRequest{"GET", "/", {}}, metrics).rfind("HTTP/1.0 404 ", 0), 0u);
  EXPECT_EQ(http_reply(HttpRequest{"POST", "/metrics", {}}, metrics).rfind("HTTP/1.0 405 ", 0), 0u);
}

// MetricsAuthFile: RFC 7617's example credentials; without them or with others, 401 and a challenge.
TEST(HttpReply, BasicAuthenticationWhenCredentialsAreSet) {
  EXPECT_EQ(basic_authorization("Aladdin:open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(basic_authorization("a:b"), "Basic YTpi");
  EXPECT_EQ(basic_authorization("ab:c"), "Basic YWI6Yw==");
  EXPECT_EQ(basic_authorization("ab:cd"), "Basic YWI6Y2Q=");
  const std::string auth = basic_authorization("Aladdin:open sesame");
  auto metrics = [](bool head) { return http_response(200, "text/plain", "teredod_up 1\n", head); };
  HttpRequest r;
  const std::string head =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nauthorization:  Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n";
  ASSERT_EQ(parse_http_head(head, r), HttpHead::Complete);
  EXPECT_EQ(r.authorization, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(http_reply(r, metrics, auth).rfind("HTTP/1.0 200 ", 0), 0u);
  for (const char* h :
       {"GET /metrics HTTP/1.1\r\n\r\n", "GET /metrics HTTP/1.1\r\nAuthorization: Basic YTpi\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n"}) {
    ASSERT_EQ(parse_http_head(h, r), HttpHead::Complete) << h;
    const std::string reply = http_reply(r, metrics, auth);
    EXPECT_EQ(reply.rfind("HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"teredod\"\r\n", 0),
              0u)
        << reply;
    EXPECT_EQ(reply.find("teredod_up"), std::string::npos);
  }
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "abcd"));
}

}  // namespace
}  // namespace teredo::control
