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
  EXPECT_EQ(http_reply(HttpRequest{"GET", "/metrics"}, metrics),
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
            "teredod_up 1\n");
  EXPECT_EQ(http_reply(HttpRequest{"HEAD", "/metrics"}, metrics).find("teredod_up"), std::string::npos);
  EXPECT_EQ(http_reply(HttpRequest{"GET", "/"}, metrics).rfind("HTTP/1.0 404 ", 0), 0u);
  EXPECT_EQ(http_reply(HttpRequest{"POST", "/metrics"}, metrics).rfind("HTTP/1.0 405 ", 0), 0u);
}

}  // namespace
}  // namespace teredo::control
