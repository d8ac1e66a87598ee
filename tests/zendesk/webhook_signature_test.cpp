#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "zendesk/webhook_signature.h"
#include "support/fixtures.h"

using namespace tierd;
using namespace tierd::zendesk;
using namespace std::chrono_literals;

namespace {

constexpr const char* kVectorTimestamp = "2025-03-10T09:22:41Z";

}  // namespace

TEST_CASE("reproduces the fixtures' signature vectors computed by openssl", "[signature]") {
  const std::string secret(kTestSigningSecret);
  struct Row {
    const char* file;
    size_t bytes;
    const char* signature;
  };
  const Row rows[] = {
      {"zendesk/ticket_created.json", 1107, "vJE4e0tdDdqhhk0SwGihH1c8olMYi4B7ANt7uMg2eb4="},
      {"zendesk/ticket_status_changed.json", 1165, "XBZB6Mdea2Oujqpy007fvA9jmrzpAfaf4beMrqUNlSE="},
      {"zendesk/ticket_group_assignment_changed.json", 1196, "znYnO5iRCyQVzJPfH4vn2ZNyO/u2gKYBlXfS2FN5IYk="},
      {"zendesk/ticket_agent_assignment_changed.json", 1200, "Ud794DNNZRo/60ogWD5VjDsvRHfqkfBjrWG8bK/ZJto="},
      {"zendesk/ticket_tags_changed.json", 1208, "q6aqUuAHfrqHtWDlVY40AlAiLQwY6DkAPZNHqvw6ty0="},
      {"zendesk/ticket_comment_added_internal_note.json", 1430, "tLr2thO3soaexCGtMTAIb1oahZ37xCD1p7UujA9PQQ0="},
      {"zendesk/ticket_comment_added_public_reply.json", 1395, "noUXddPjlTtUZ5JQo8RGqvT2drPTL3PNZzE/PwQ4kRI="},
      {"zendesk/trigger_body_template.json", 448, "X17HZIvbsB+OvgbXjXTkjjQ7jarjFxgKJctxdQboC08="},
      {"zendesk/trigger_body_rendered.json", 339, "DRgMJCL5dVC1d5f3SGc85F/d3qJhdWp9lKZgtFYPw0A="},
      {"zendesk/trigger_updated_at_seconds.json", 403, "q3uZLH9ZdtphrBGW8bc4JMNz14PNOsHV47kCgdnxGcc="},
      {"zendesk/trigger_updated_at_fraction.json", 418, "Tz+OCmqwub4LpLjBP8tl9ULAGdlfrNxh31gOtphtoQ8="},
      {"zendesk/trigger_updated_at_offset.json", 435, "Z4q3PARXWfp4d159JcuPKb93nrRH4vvGm9w8skyWxLM="},
  };
  for (const auto& row : rows) {
    INFO(row.file);
    std::string body = testing::read_fixture(row.file);
    CHECK(body.size() == row.bytes);
    CHECK(compute_signature(secret, kVectorTimestamp, body) == row.signature);
  }
  CHECK(compute_signature(secret, kVectorTimestamp, "") ==
        "U5w+UfdyYUQODsUS7KfakvJUOcfcC8RvUY1A2olnak4=");
}

TEST_CASE("reproduces an independent third-party vector", "[signature]") {
  CHECK(compute_signature(kTestSigningSecret, "2021-03-25T05:09:27Z",
                          R"({"event":"ticket.updated","id":123})") ==
        "S/RDdU2ERmj7LHDDoWJ2onPYH+t7/f2+LTM4dL7UiLM=");
}

TEST_CASE("verifies against either of two rotating secrets", "[signature]") {
  Instant now = *parse_instant(kVectorTimestamp);
  std::string body = R"({"id":"e1"})";
  std::string sig_new = compute_signature("new-secret", kVectorTimestamp, body);
  std::string sig_old = compute_signature("old-secret", kVectorTimestamp, body);
  std::vector<std::string> secrets = {"new-secret", "old-secret"};
  CHECK(verify_signature(secrets, sig_new, kVectorTimestamp, body, now, 5min) == SignatureCheck::kValid);
  CHECK(verify_signature(secrets, sig_old, kVectorTimestamp, body, now, 5min) == SignatureCheck::kValid);
  CHECK(verify_signature({"other"}, sig_new, kVectorTimestamp, body, now, 5min) ==
        SignatureCheck::kMismatch);
}

TEST_CASE("rejects a tampered body, a missing header and a bad timestamp", "[signature]") {
  Instant now = *parse_instant(kVectorTimestamp);
  std::vector<std::string> secrets = {"s"};
  std::string sig = compute_signature("s", kVectorTimestamp, "body");
  CHECK(verify_signature(secrets, sig, kVectorTimestamp, "body!", now, 5min) == SignatureCheck::kMismatch);
  CHECK(verify_signature(secrets, "", kVectorTimestamp, "body", now, 5min) == SignatureCheck::kMissing);
  CHECK(verify_signature(secrets, sig, "", "body", now, 5min) == SignatureCheck::kMissing);
  CHECK(verify_signature(secrets, sig, "yesterday", "body", now, 5min) == SignatureCheck::kBadTimestamp);
}

TEST_CASE("rejects a timestamp more than the tolerance from now, either way", "[signature]") {
  Instant signed_at = *parse_instant(kVectorTimestamp);
  std::vector<std::string> secrets = {"s"};
  std::string sig = compute_signature("s", kVectorTimestamp, "b");
  CHECK(verify_signature(secrets, sig, kVectorTimestamp, "b", signed_at + 5min, 5min) == SignatureCheck::kValid);
  CHECK(verify_signature(secrets, sig, kVectorTimestamp, "b", signed_at + 5min + 1s, 5min) ==
        SignatureCheck::kStale);
  CHECK(verify_signature(secrets, sig, kVectorTimestamp, "b", signed_at - 6min, 5min) ==
        SignatureCheck::kStale);
}
