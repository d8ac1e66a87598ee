// The invariants every vendor's webhook parser keeps on any input, shared by
// the fuzz targets (zendesk/fuzz_entry.h, freshdesk/fuzz_entry.h): mapping
// is total (malformed input is InvalidArgument, never another failure) and
// deterministic, an ignored delivery carries no event, an event has a dedupe
// key and a ticket, and it survives the inbox's JSON codec unchanged.
//
// Header-only (the fuzz builds compile only the sources they list) and
// pure; thread-safe.
#pragma once

#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/ticket_event.h"
#include "helpdesk/webhook_delivery.h"

namespace tierd {

// `first` and `second` are two mappings of the same input. Returns "" when
// every invariant held, otherwise a description of the first one broken.
inline std::string broken_delivery_invariant(const Result<ParsedDelivery>& first,
                                             const Result<ParsedDelivery>& second) {
  if (first.ok() != second.ok()) return "mapping is not deterministic (ok differs)";
  if (!first.ok()) {
    if (first.status().code() != StatusCode::kInvalidArgument) {
      return "mapping failed with " + first.status().to_string();
    }
    return "";
  }
  if (first->event != second->event) return "mapping is not deterministic (event differs)";
  if (first->outcome == DeliveryOutcome::kIgnored) {
    return first->event ? "an ignored delivery carries an event" : "";
  }
  if (!first->event) return "a ticket event delivery has no event";
  const TicketEvent& event = *first->event;
  if (event.event_id.empty()) return "event without an event id";
  if (event.ticket_id <= 0) return "event without a positive ticket id";
  try {
    std::string text = to_json(event).dump();
    auto back = ticket_event_from_json(nlohmann::json::parse(text));
    if (!back.ok()) return "codec rejected its own output: " + back.status().message();
    if (*back != event) return "codec round trip changed the event";
  } catch (const std::exception& e) {
    return std::string("codec threw: ") + e.what();
  }
  return "";
}

}  // namespace tierd
