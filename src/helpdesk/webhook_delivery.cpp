#include "helpdesk/webhook_delivery.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace tierd {

const char* delivery_outcome_name(DeliveryOutcome o) {
  switch (o) {
    case DeliveryOutcome::kTicketEvent:
      return "ticket_event";
    case DeliveryOutcome::kIgnored:
      return "ignored";
  }
  return "ignored";
}

ParsedDelivery ticket_event_delivery(TicketEvent event) {
  ParsedDelivery out;
  out.outcome = DeliveryOutcome::kTicketEvent;
  out.type = event.type;
  out.reason = event_kind_name(event.kind);
  out.event = std::move(event);
  return out;
}

int json_nesting_depth(std::string_view body) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{')
      deepest = std::max(deepest, ++depth);
    else if (c == ']' || c == '}')
      --depth;
  }
  return deepest;
}

Result<ParsedDelivery> map_webhook_body(
    std::string_view body,
    const std::function<Result<ParsedDelivery>(const nlohmann::json&)>& map) {
  if (json_nesting_depth(body) > kMaxJsonNesting) {
    return Status::InvalidArgument("body nests deeper than " + std::to_string(kMaxJsonNesting) +
                                   " levels");
  }
  // Mappers read through non-throwing accessors; this catches what the
  // library or an allocation might still throw.
  try {
    nlohmann::json root =
        nlohmann::json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) return Status::InvalidArgument("body is not valid JSON");
    if (!root.is_object()) return Status::InvalidArgument("body is not a JSON object");
    return map(root);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("body could not be mapped: ") + e.what());
  }
}

const nlohmann::json* json_member(const nlohmann::json* obj, const char* key) {
  if (obj == nullptr || !obj->is_object()) return nullptr;
  auto it = obj->find(key);
  return it == obj->end() ? nullptr : &*it;
}

std::string json_string_or_empty(const nlohmann::json* v) {
  return v != nullptr && v->is_string() ? v->get_ref<const std::string&>() : std::string();
}

}  // namespace tierd
