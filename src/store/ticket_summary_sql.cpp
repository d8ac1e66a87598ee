#include "store/ticket_summary_sql.h"

#include <nlohmann/json.hpp>

#include "core/ticket_state.h"

namespace tierd::sql {

TicketSummary summary_of_state_json(std::string_view state_json) {
  auto parsed = nlohmann::json::parse(state_json, nullptr, false);
  if (parsed.is_discarded()) return {};
  auto state = ticket_state_from_json(parsed);
  if (!state.ok()) return {};
  return summarise(*state);
}

}  // namespace tierd::sql
