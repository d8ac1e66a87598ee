#include <catch2/catch.hpp>

#include "helpdesk/text_codec.h"
#include "helpdesk/webhook_delivery.h"

using namespace tierd;

TEST_CASE("base64 round-trips bytes and refuses foreign characters", "[text_codec]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("hi") == "aGk=");
  CHECK(base64_decode("aGk=") == std::string("hi"));
  CHECK(base64_decode("aGk") == std::string("hi"));
  const std::string bytes("\x00\xff\x10 tierd", 9);
  CHECK(base64_decode(base64_encode(bytes)) == bytes);
  CHECK_FALSE(base64_decode("a*b").has_value());
}

TEST_CASE("secrets compare equal only when identical, and never when empty", "[text_codec]") {
  CHECK(secrets_equal("s3cr3t", "s3cr3t"));
  CHECK_FALSE(secrets_equal("s3cr3", "s3cr3t"));
  CHECK_FALSE(secrets_equal("s3cr3t!", "s3cr3t"));
  CHECK_FALSE(secrets_equal("S3CR3T", "s3cr3t"));
  CHECK_FALSE(secrets_equal("", ""));
  CHECK_FALSE(secrets_equal("anything", ""));
  CHECK(secrets_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(secrets_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("truncation keeps whole UTF-8 characters and digests are short hex", "[text_codec]") {
  CHECK(truncate_utf8("abc", 5) == "abc");
  CHECK(truncate_utf8("ab\xC3\xA9", 3) == "ab");
  CHECK(truncate_utf8("\xE2\x98\x90x", 2).empty());
  CHECK(sha256_hex_prefix("", 16) == "e3b0c44298fc1c14");
  CHECK(sha256_hex_prefix("abc", 64).size() == 64);
}

TEST_CASE("nesting depth counts brackets outside strings only", "[webhook_delivery]") {
  CHECK(json_nesting_depth("") == 0);
  CHECK(json_nesting_depth(R"({"a":[1,{"b":2}]})") == 3);
  CHECK(json_nesting_depth(R"({"a":"[[[[\"]]]"})") == 1);
  CHECK(json_nesting_depth("[[[[") == 4);
  CHECK(std::string(delivery_outcome_name(DeliveryOutcome::kIgnored)) == "ignored");
  CHECK(std::string(delivery_outcome_name(DeliveryOutcome::kTicketEvent)) == "ticket_event");
}
