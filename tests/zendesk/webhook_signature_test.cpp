#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "zendesk/webhook_signature.h"

using namespace tierd;
using namespace tierd::zendesk;
using namespace std::chrono_literals;

namespace {

std::string read_payload(const std::string& name) {
  std::ifstream in(std::string(TIERD_SHARED_DIR) + "/payloads/" + name, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* kVectorTimestamp = "2025-03-10T09:22:41Z";

}  // namespace

TEST_CASE("reproduces the published signature vectors", "[signature]") {
  const std::string secret(kTestSigningSecret);
  struct Row {
    const char* file;
    size_t bytes;
    const char* signature;
  };
  const Row rows[] = {
      {"01_ticket_created.json", 1012, "4F32f9QVQ5beMJTUgS4SOAbJ1FvOVvqS3wY/7y/Gaos="},
      {"02_ticket_status_changed.json", 1070, "eniBp8EuaG2AHZzAciQCxvrqYHMB4N+f69nRPv8b4iA="},
      {"03_ticket_group_assignment_changed.json", 1095, "5iKjtQTnfesgj3FAUazWxJpXXS20VfygMyTN6DqvwKg="},
      {"04_ticket_agent_assignment_changed.json", 1099, "nYo/maOAuyOcXZuSTSqimgewCuo7qzy2ZJA/mQBQ8Yc="},
      {"05_ticket_tags_changed.json", 1095, "tVuNc12gv3MrgY6VT5p0hzOCcjrwdsIu6M6F2iD5oX8="},
      {"06_ticket_comment_added_internal_note.json", 1269, "2YXI9mRf1bWHaR2hcYc/we2OPYVcd7EXSd3RRb5GSBg="},
      {"07_ticket_comment_added_public_requester.json", 1258, "FYhjR12qzPaHWP4gJyaMwEa6QBbNhDZciJlRREUO57s="},
      {"08_trigger_webhook_custom_body.json", 426, "furJDLj9Lg6oAD/3298TMKGJL7pTy+nQSeREErDbzMQ="},
  };
  for (const auto& row : rows) {
    INFO(row.file);
    std::string body = read_payload(row.file);
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
