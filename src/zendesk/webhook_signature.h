// Zendesk webhook signatures.
//
// Zendesk signs each webhook request with the webhook's signing secret:
//   X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(key = secret,
//                                        message = timestamp header + raw body))
// where the timestamp is the X-Zendesk-Webhook-Signature-Timestamp header text
// (ISO-8601, e.g. "2025-03-10T09:22:41Z") and the secret is used verbatim as
// the key bytes (not base64-decoded). An empty body signs the timestamp alone.
//
// These are pure functions (OpenSSL only); the HTTP handler in src/daemon
// adapts them. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "helpdesk/text_codec.h"

namespace tierd::zendesk {

inline constexpr std::string_view kSignatureHeader = "X-Zendesk-Webhook-Signature";
inline constexpr std::string_view kTimestampHeader = "X-Zendesk-Webhook-Signature-Timestamp";
// Zendesk signs "Test webhook" requests for webhooks not yet created with this
// static secret.
inline constexpr std::string_view kTestSigningSecret =
    "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";

// base64(HMAC-SHA256(secret, timestamp + body)).
std::string compute_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body);

enum class SignatureCheck {
  kValid,
  kMissing,       // no signature or no timestamp header
  kBadTimestamp,  // the timestamp is not an ISO-8601 instant
  kStale,         // the timestamp is further than the tolerance from now
  kMismatch,      // no configured secret produces this signature
};
const char* signature_check_name(SignatureCheck c);

// Verifies a delivery against every configured secret (two during a
// rotation), comparing in constant time. `now` is the receiver's clock;
// a timestamp more than `tolerance` before or after it is kStale even when
// the signature matches, which bounds replays.
SignatureCheck verify_signature(const std::vector<std::string>& secrets, std::string_view signature,
                                std::string_view timestamp, std::string_view body, Instant now,
                                Duration tolerance);

}  // namespace tierd::zendesk
