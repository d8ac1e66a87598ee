#include "cli/users_worth_a_name.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <set>

#include "core/ticket_state.h"
#include "reports/report.h"

namespace tierd {

std::vector<UserId> users_worth_a_name(Store& store, const Policy& policy, Instant now) {
  std::set<UserId> ids;
  Status scan = store.for_each_ticket([&ids](const TicketRow& row) {
    auto doc = nlohmann::json::parse(row.state_json, nullptr, false);
    if (doc.is_discarded()) return;
    auto state = ticket_state_from_json(doc);
    if (state.ok() && state->ticket.assignee_id) ids.insert(*state->ticket.assignee_id);
  });
  if (!scan.ok()) spdlog::warn("users: the ticket mirror cannot be read: {}", scan.to_string());
  auto report = build_report(store, policy, now - std::chrono::hours(24 * 31), now);
  if (report.ok()) {
    for (const auto& agent : report->agents) ids.insert(agent.id);
    for (const auto& reviewer : report->reviewers) ids.insert(reviewer.id);
  } else {
    spdlog::warn("users: the audit cannot be read: {}", report.status().to_string());
  }
  return {ids.begin(), ids.end()};
}

}  // namespace tierd
