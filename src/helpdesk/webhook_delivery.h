// ParsedDelivery: what a vendor adapter's webhook parser makes of one
// delivery's body, in the same shape for every helpdesk, so that one HTTP
// handler (http/webhook_handler.h) serves every vendor's route. Also what
// every parser does the same way: the bound on a body's nesting, parsing it
// at the module edge, and reading its members without exceptions.
//
// Plain values and pure functions; any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/ticket_event.h"

namespace tierd {

enum class DeliveryOutcome {
  kTicketEvent,  // `event` holds the event to store
  kIgnored,      // a well-formed delivery tierd does not act on: acknowledge, do not store
};
const char* delivery_outcome_name(DeliveryOutcome o);

struct ParsedDelivery {
  DeliveryOutcome outcome = DeliveryOutcome::kIgnored;
  std::optional<TicketEvent> event;
  std::string type;    // the vendor's type ("zen:event-type:...", "freshdesk_rule"), may be ""
  std::string reason;  // short human text: why ignored, or what was mapped
};

// A delivery that maps to `event`: kTicketEvent, the event's type, its kind
// as the reason.
ParsedDelivery ticket_event_delivery(TicketEvent event);

// Bodies nesting arrays/objects deeper than this are refused (400) before
// they are parsed: JSON values are built and destroyed recursively, so a
// hostile body nested thousands deep could exhaust the stack, and no
// helpdesk payload nests past a handful of levels.
inline constexpr int kMaxJsonNesting = 64;

// The deepest nesting of arrays and objects in `body`, strings skipped;
// total on any bytes, JSON or not.
int json_nesting_depth(std::string_view body);

// Parses `body` as a JSON object and returns what `map` makes of it. This is
// the module edge: InvalidArgument with a short reason for a body nested
// deeper than kMaxJsonNesting, one that is not valid JSON or not an object,
// and for anything nlohmann::json (or an allocation) throws inside `map`.
Result<ParsedDelivery> map_webhook_body(
    std::string_view body, const std::function<Result<ParsedDelivery>(const nlohmann::json&)>& map);

// The member `key` of `obj`, or nullptr when `obj` is null, not an object or
// has no such member.
const nlohmann::json* json_member(const nlohmann::json* obj, const char* key);
// The string `v` holds, or "" when `v` is null or holds something else.
std::string json_string_or_empty(const nlohmann::json* v);

}  // namespace tierd
