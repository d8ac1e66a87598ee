#include "zendesk/webhook_signature.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <chrono>

namespace tierd::zendesk {

std::string compute_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  // One-shot HMAC over the concatenation without copying the body.
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* mctx = EVP_MAC_CTX_new(mac);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
                         OSSL_PARAM_construct_end()};
  size_t out_len = 0;
  EVP_MAC_init(mctx, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params);
  EVP_MAC_update(mctx, reinterpret_cast<const unsigned char*>(timestamp.data()), timestamp.size());
  EVP_MAC_update(mctx, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  EVP_MAC_final(mctx, digest, &out_len, sizeof digest);
  EVP_MAC_CTX_free(mctx);
  EVP_MAC_free(mac);
  digest_len = static_cast<unsigned int>(out_len);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), digest_len));
}

const char* signature_check_name(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::kValid:
      return "valid";
    case SignatureCheck::kMissing:
      return "missing";
    case SignatureCheck::kBadTimestamp:
      return "bad_timestamp";
    case SignatureCheck::kStale:
      return "stale";
    case SignatureCheck::kMismatch:
      return "mismatch";
  }
  return "mismatch";
}

SignatureCheck verify_signature(const std::vector<std::string>& secrets, std::string_view signature,
                                std::string_view timestamp, std::string_view body, Instant now,
                                Duration tolerance) {
  if (signature.empty() || timestamp.empty()) return SignatureCheck::kMissing;
  auto ts = parse_instant(timestamp);
  if (!ts.ok()) return SignatureCheck::kBadTimestamp;
  bool matched = false;
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    std::string expected = compute_signature(secret, timestamp, body);
    // Check every secret, so timing does not reveal which one matched.
    if (expected.size() == signature.size() &&
        CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0) {
      matched = true;
    }
  }
  if (!matched) return SignatureCheck::kMismatch;
  Duration skew = *ts > now ? *ts - now : now - *ts;
  if (skew > tolerance) return SignatureCheck::kStale;
  return SignatureCheck::kValid;
}

}  // namespace tierd::zendesk
