#include "sim/freshdesk/demo.h"

#include <spdlog/spdlog.h>

#include <string_view>

namespace tierd::sim::freshdesk {

using nlohmann::json;

namespace {

int demo_priority_code(std::string_view name) {
  if (name == "low") return 1;
  if (name == "high") return 3;
  if (name == "urgent") return 4;
  return 2;  // normal: Medium
}

int demo_source_code(std::string_view channel) {
  return channel == "email" ? 1 : 2;  // Email, else Portal
}

}  // namespace

SimResponse FreshdeskDemo::control(const std::string& method, const std::string& path,
                                   const json& body) {
  SimRequest r;
  r.method = method;
  r.path = path;
  r.body = body.is_null() ? "" : body.dump();
  return service_.handle(r);
}

void FreshdeskDemo::seed() {
  json agents = json::array();
  for (const auto& a : kDemoAgents) {
    agents.push_back({{"id", a.id},
                      {"name", a.name},
                      {"email", "agent" + std::to_string(a.id) + "@example.com"}});
  }
  control("POST", "/sim/agents", agents);
  json groups = json::array();
  for (const auto& g : kDemoGroups) {
    json members = json::array();
    for (const auto& a : kDemoAgents) {
      if (a.group == g.id) members.push_back(a.id);
    }
    if (g.id == 114009) members.push_back(kDemoReviewLead);
    groups.push_back({{"id", g.id}, {"name", g.name}, {"agent_ids", members}});
  }
  control("POST", "/sim/groups", groups);
}

std::optional<int64_t> FreshdeskDemo::create(const DemoTicket& t, int64_t group, int n) {
  json body = {{"subject", t.subject},
               {"description", t.body},
               {"status", 2},
               {"priority", demo_priority_code(t.priority)},
               {"source", demo_source_code(t.channel)},
               {"group_id", group},
               {"requester_id", kDefaultRequesterId + n % 6}};
  SimResponse res = control("POST", "/sim/tickets", body);
  if (res.status != 201) {
    spdlog::warn("demo step=create_failed status={}", res.status);
    return std::nullopt;
  }
  return res.body["id"].get<int64_t>();
}

std::optional<int64_t> FreshdeskDemo::group_of(int64_t ticket) {
  SimResponse res = control("GET", "/sim/tickets/" + std::to_string(ticket), nullptr);
  if (res.status != 200) return std::nullopt;
  const json& group = res.body["group_id"];
  if (!group.is_number()) return std::nullopt;
  return group.get<int64_t>();
}

int FreshdeskDemo::act(int64_t ticket, int64_t agent, bool solve) {
  // Pending (3) while waiting for the customer, Resolved (4) when solved.
  return control("PUT", "/sim/tickets/" + std::to_string(ticket),
                 {{"responder_id", agent}, {"status", solve ? 4 : 3}})
      .status;
}

}  // namespace tierd::sim::freshdesk
