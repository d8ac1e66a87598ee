#include "freshdesk/webhook_auth.h"

#include <optional>

#include "core/ticket.h"
#include "helpdesk/text_codec.h"

namespace tierd::freshdesk {
namespace {

// The credentials of an "Authorization: Basic ..." value (scheme name in
// any case, RFC 9110 11.1); nullopt when it is not that.
std::optional<std::pair<std::string, std::string>> basic_credentials(std::string_view header) {
  constexpr std::string_view kScheme = "basic ";
  if (header.size() <= kScheme.size() || ascii_lower(header.substr(0, kScheme.size())) != kScheme) {
    return std::nullopt;
  }
  auto decoded = base64_decode(trim_space(header.substr(kScheme.size())));
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

}  // namespace

const char* secret_check_name(SecretCheck c) {
  switch (c) {
    case SecretCheck::kValid:
      return "valid";
    case SecretCheck::kMissing:
      return "missing";
    case SecretCheck::kMalformed:
      return "malformed";
    case SecretCheck::kMismatch:
      return "mismatch";
  }
  return "mismatch";
}

SecretCheck check_webhook_secret(const std::vector<std::string>& secrets,
                                 std::string_view secret_header, std::string_view authorization) {
  std::vector<std::string> presented;
  if (!secret_header.empty()) presented.emplace_back(secret_header);
  if (!authorization.empty()) {
    auto basic = basic_credentials(authorization);
    if (!basic && presented.empty()) return SecretCheck::kMalformed;
    if (basic) {
      presented.push_back(std::move(basic->first));
      presented.push_back(std::move(basic->second));
    }
  }
  if (presented.empty()) return SecretCheck::kMissing;
  bool matched = false;
  for (const auto& given : presented) {
    for (const auto& secret : secrets) {
      // No early exit: every pair costs the same.
      matched = secrets_equal(given, secret) || matched;
    }
  }
  return matched ? SecretCheck::kValid : SecretCheck::kMismatch;
}

}  // namespace tierd::freshdesk
