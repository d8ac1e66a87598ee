// The webhook fuzz target's body, shared by the libFuzzer binary
// (fuzz/webhook_fuzz.cpp) and the corpus replay test
// (tests/zendesk/webhook_fuzz_corpus_test.cpp), so a corpus file that once broke
// an invariant stays a regression test in the ordinary suite.
//
// Input layout: the bytes up to the first '\n' are the signature timestamp
// header; everything after it is the request body (no '\n' at all: empty
// timestamp, the whole input is the body).
//
// Header-only and pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "helpdesk/delivery_invariants.h"
#include "zendesk/webhook_payload.h"
#include "zendesk/webhook_signature.h"

namespace tierd::zendesk {

// Runs signature verification and payload mapping on one input, and checks
// the mapping's invariants (helpdesk/delivery_invariants.h). Returns "" when every invariant held,
// otherwise a description of the first one broken.
inline std::string check_webhook_input(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view timestamp =
      newline == std::string_view::npos ? std::string_view() : input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? input : input.substr(newline + 1);

  // Signatures: the right one verifies exactly when the timestamp is usable;
  // a altered one never does.
  const std::vector<std::string> secrets = {"previous-secret", std::string(kTestSigningSecret)};
  auto parsed_ts = parse_instant(timestamp);
  const Instant now = parsed_ts.ok() ? *parsed_ts : from_unix_ms(1741598561000);
  const Duration tolerance = std::chrono::minutes(5);
  std::string signature = compute_signature(kTestSigningSecret, timestamp, body);
  SignatureCheck good = verify_signature(secrets, signature, timestamp, body, now, tolerance);
  SignatureCheck expected = timestamp.empty() ? SignatureCheck::kMissing
                            : parsed_ts.ok()  ? SignatureCheck::kValid
                                              : SignatureCheck::kBadTimestamp;
  if (good != expected) {
    return std::string("signature check gave ") + signature_check_name(good) + ", expected " +
           signature_check_name(expected);
  }
  std::string altered = signature;
  altered[0] = altered[0] == 'A' ? 'B' : 'A';
  if (verify_signature(secrets, altered, timestamp, body, now, tolerance) ==
      SignatureCheck::kValid) {
    return "an altered signature verified";
  }

  // Mapping: total, deterministic, and every event survives the inbox codec.
  DeliveryMeta meta;
  meta.invocation_id = std::string(timestamp.substr(0, 64));
  meta.received_at = now;
  auto first = parse_webhook_delivery(body, meta);
  std::string broken = broken_delivery_invariant(first, parse_webhook_delivery(body, meta));
  if (!broken.empty() || !first.ok() || !first->event) return broken;
  if (first->event->ticket.description.size() > kMaxDescriptionBytes) {
    return "description not truncated";
  }
  return "";
}

}  // namespace tierd::zendesk
