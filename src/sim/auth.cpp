#include "sim/auth.h"

#include <openssl/crypto.h>

namespace tierd::sim {

std::optional<std::string> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

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
