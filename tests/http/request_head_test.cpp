// scan_request_head(): when a buffered request head is complete, too large,
// and how much body it declares.
#include <catch2/catch.hpp>

#include <string>

#include "http/request_head.h"

using namespace tierd;

TEST_CASE("a request head is complete at its blank line", "[request_head]") {
  const HeadLimits limits{1024, 10};
  CHECK(scan_request_head("", limits).state == HeadState::kIncomplete);
  CHECK(scan_request_head("GET / HTTP/1.1\r\nHost: a\r\n", limits).state == HeadState::kIncomplete);
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  auto scanned = scan_request_head(head + "next", limits);
  CHECK(scanned.state == HeadState::kComplete);
  CHECK(scanned.head_bytes == head.size());
  CHECK_FALSE(scanned.content_length);
  CHECK_FALSE(scanned.chunked);
}

TEST_CASE("a request head reports its body framing", "[request_head]") {
  const HeadLimits limits{1024, 10};
  auto sized = scan_request_head("POST /w HTTP/1.1\r\ncontent-LENGTH:  42 \r\n\r\n", limits);
  CHECK(sized.content_length == 42u);
  auto garbled = scan_request_head("POST /w HTTP/1.1\r\nContent-Length: 4x\r\n\r\n", limits);
  CHECK_FALSE(garbled.content_length);
  auto chunked =
      scan_request_head("POST /w HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", limits);
  CHECK(chunked.chunked);
  auto expects = scan_request_head(
      "POST /w HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n", limits);
  CHECK(expects.expects_continue);
}

TEST_CASE("a request head over a limit is too large before it is complete", "[request_head]") {
  const HeadLimits limits{100, 3};
  std::string fields = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n";
  CHECK(scan_request_head(fields + "\r\n", limits).state == HeadState::kComplete);
  CHECK(scan_request_head(fields + "D: 4\r\n", limits).state == HeadState::kTooLarge);
  CHECK(scan_request_head("GET / HTTP/1.1\r\nA: " + std::string(100, 'x'), limits).state ==
        HeadState::kTooLarge);
}
