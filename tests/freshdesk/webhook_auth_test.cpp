#include <catch2/catch.hpp>

#include "freshdesk/webhook_auth.h"
#include "helpdesk/text_codec.h"

using namespace tierd;
using namespace tierd::freshdesk;

namespace {

const std::vector<std::string> kSecrets = {"s3cr3t-current", "s3cr3t-previous"};

std::string basic(const std::string& user, const std::string& password) {
  return "Basic " + base64_encode(user + ":" + password);
}

}  // namespace

TEST_CASE("accepts the secret in the custom header", "[freshdesk_auth]") {
  CHECK(check_webhook_secret(kSecrets, "s3cr3t-current", "") == SecretCheck::kValid);
  // While a secret is rotated, the previous one is accepted too.
  CHECK(check_webhook_secret(kSecrets, "s3cr3t-previous", "") == SecretCheck::kValid);
}

TEST_CASE("accepts the secret as the Basic password or as the API-key username",
          "[freshdesk_auth]") {
  CHECK(check_webhook_secret(kSecrets, "", basic("freshdesk", "s3cr3t-current")) ==
        SecretCheck::kValid);
  CHECK(check_webhook_secret(kSecrets, "", basic("s3cr3t-previous", "X")) == SecretCheck::kValid);
  // The scheme name is case-insensitive.
  CHECK(check_webhook_secret(kSecrets, "", "bASIC " + base64_encode("a:s3cr3t-current")) ==
        SecretCheck::kValid);
}

TEST_CASE("refuses a missing, wrong or unreadable secret", "[freshdesk_auth]") {
  CHECK(check_webhook_secret(kSecrets, "", "") == SecretCheck::kMissing);
  CHECK(check_webhook_secret(kSecrets, "s3cr3t-curren", "") == SecretCheck::kMismatch);
  CHECK(check_webhook_secret(kSecrets, "s3cr3t-current ", "") == SecretCheck::kMismatch);
  CHECK(check_webhook_secret(kSecrets, "S3CR3T-CURRENT", "") == SecretCheck::kMismatch);
  CHECK(check_webhook_secret(kSecrets, "", basic("s3cr3t", "-current")) == SecretCheck::kMismatch);
  CHECK(check_webhook_secret(kSecrets, "", "Bearer s3cr3t-current") == SecretCheck::kMalformed);
  CHECK(check_webhook_secret(kSecrets, "", "Basic %%%") == SecretCheck::kMalformed);
  CHECK(check_webhook_secret(kSecrets, "", "Basic " + base64_encode("no colon")) ==
        SecretCheck::kMalformed);
  // A wrong header is not rescued by an unreadable Authorization, nor the other way round.
  CHECK(check_webhook_secret(kSecrets, "wrong", "Bearer x") == SecretCheck::kMismatch);
  CHECK(check_webhook_secret(kSecrets, "wrong", basic("a", "b")) == SecretCheck::kMismatch);
}

TEST_CASE("one right credential is enough when several are sent", "[freshdesk_auth]") {
  CHECK(check_webhook_secret(kSecrets, "wrong", basic("a", "s3cr3t-current")) ==
        SecretCheck::kValid);
  CHECK(check_webhook_secret(kSecrets, "s3cr3t-current", "Bearer x") == SecretCheck::kValid);
}

TEST_CASE("no secret configured, or an empty one, accepts nothing", "[freshdesk_auth]") {
  CHECK(check_webhook_secret({}, "anything", "") == SecretCheck::kMismatch);
  CHECK(check_webhook_secret({""}, "", basic("", "")) == SecretCheck::kMismatch);
}

TEST_CASE("names every check for the log", "[freshdesk_auth]") {
  CHECK(std::string(secret_check_name(SecretCheck::kValid)) == "valid");
  CHECK(std::string(secret_check_name(SecretCheck::kMissing)) == "missing");
  CHECK(std::string(secret_check_name(SecretCheck::kMalformed)) == "malformed");
  CHECK(std::string(secret_check_name(SecretCheck::kMismatch)) == "mismatch");
}
