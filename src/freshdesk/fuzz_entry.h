// The Freshdesk webhook fuzz target's body, shared by the libFuzzer binary
// (fuzz/freshdesk_webhook_fuzz.cpp) and the corpus replay test
// (tests/freshdesk/webhook_fuzz_corpus_test.cpp), so a corpus file that once
// broke an invariant stays a regression test in the ordinary suite.
//
// Input layout: the bytes up to the first '\n' are the secret the delivery
// presents (sent as the X-Tierd-Webhook-Secret header and, base64-encoded,
// as a Basic Authorization header); everything after it is the request body
// (no '\n' at all: no secret, the whole input is the body).
//
// Header-only and pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "freshdesk/webhook_auth.h"
#include "freshdesk/webhook_payload.h"
#include "helpdesk/delivery_invariants.h"
#include "helpdesk/text_codec.h"

namespace tierd::freshdesk {

// Runs secret checking and payload mapping on one input, and checks the
// mapping's invariants (helpdesk/delivery_invariants.h) and its own: every
// event of a rule body is a created or snapshot event with the ticket's state. Returns "" when
// every invariant held, otherwise a description of the first one broken.
inline std::string check_webhook_input(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string_view presented =
      newline == std::string_view::npos ? std::string_view() : input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? input : input.substr(newline + 1);

  // Secrets: the configured one is accepted in either place; what the input
  // presents is accepted exactly when it is one of them.
  const std::string secret = "tierd-fuzz-secret";
  const std::vector<std::string> secrets = {"previous-secret", secret};
  if (check_webhook_secret(secrets, secret, "") != SecretCheck::kValid) {
    return "the secret in the header was refused";
  }
  if (check_webhook_secret(secrets, "", "Basic " + base64_encode("tierd:" + secret)) !=
      SecretCheck::kValid) {
    return "the secret as the Basic password was refused";
  }
  const bool is_secret = presented == secret || presented == "previous-secret";
  const SecretCheck header = check_webhook_secret(secrets, presented, "");
  if ((header == SecretCheck::kValid) != is_secret) {
    return std::string("the presented header gave ") + secret_check_name(header);
  }
  const SecretCheck basic =
      check_webhook_secret(secrets, "", "Basic " + base64_encode("x:" + std::string(presented)));
  if ((basic == SecretCheck::kValid) != is_secret) {
    return std::string("the presented Basic password gave ") + secret_check_name(basic);
  }
  const SecretCheck raw = check_webhook_secret(secrets, "", presented);
  if (raw == SecretCheck::kValid) return "a bare Authorization value was accepted";

  // Mapping: total, deterministic, and every event survives the inbox codec.
  const Instant received = from_unix_ms(1741598561000);
  auto first = parse_webhook_delivery(body, received);
  std::string broken = broken_delivery_invariant(first, parse_webhook_delivery(body, received));
  if (!broken.empty() || !first.ok() || !first->event) return broken;
  const TicketEvent& event = *first->event;
  if (!event.has_snapshot) return "a rule body's event has no snapshot";
  if (event.kind != EventKind::kCreated && event.kind != EventKind::kSnapshot) {
    return std::string("a rule body mapped to ") + event_kind_name(event.kind);
  }
  return "";
}

}  // namespace tierd::freshdesk
