#include "sim/zendesk/auth.h"

#include <openssl/crypto.h>

namespace tierd::sim {

namespace {
bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

bool is_authorized(std::string_view authorization, const Credentials& creds) {
  constexpr std::string_view kBasic = "Basic ";
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBasic.size()) == kBasic) {
    auto decoded = base64_decode(authorization.substr(kBasic.size()));
    if (!decoded) return false;
    return equal_constant_time(*decoded, creds.email + "/token:" + creds.api_token);
  }
  if (authorization.substr(0, kBearer.size()) == kBearer) {
    return !creds.oauth_token.empty() &&
           equal_constant_time(authorization.substr(kBearer.size()), creds.oauth_token);
  }
  return false;
}

}  // namespace tierd::sim
