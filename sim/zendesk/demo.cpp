#include "sim/zendesk/demo.h"

#include <spdlog/spdlog.h>

namespace tierd::sim {

using nlohmann::json;

void ZendeskDemo::seed() {
  json groups = json::array();
  for (const auto& g : kDemoGroups) {
    groups.push_back({{"id", g.id}, {"name", g.name}});
    if (g.id == 114001) groups.back()["default"] = true;
  }
  service_.seed_groups({{"groups", groups}});
  json users = json::array();
  json memberships = json::array();
  for (const auto& a : kDemoAgents) {
    users.push_back({{"id", a.id},
                     {"name", a.name},
                     {"role", "agent"},
                     {"email", "agent" + std::to_string(a.id) + "@example.com"}});
    memberships.push_back({{"user_id", a.id}, {"group_id", a.group}, {"default", true}});
  }
  memberships.push_back({{"user_id", kDemoReviewLead}, {"group_id", 114009}});
  for (int i = 0; i < 5; ++i) {
    users.push_back({{"id", 902002 + i},
                     {"name", "Customer " + std::to_string(i + 2)},
                     {"role", "end-user"},
                     {"email", "customer" + std::to_string(i + 2) + "@example.com"}});
  }
  service_.seed_users({{"users", users}});
  service_.seed_memberships({{"memberships", memberships}});
}

std::optional<int64_t> ZendeskDemo::create(const DemoTicket& t, int64_t group, int n) {
  json body = {{"ticket",
                {{"subject", t.subject},
                 {"comment", {{"body", t.body}}},
                 {"priority", t.priority},
                 {"type", "question"},
                 {"group_id", group},
                 {"requester_id", 902001 + n % 6},
                 {"via", {{"channel", t.channel}}}}}};
  SimResponse res = service_.create_ticket_as_requester(body);
  if (res.status != 201) {
    spdlog::warn("demo step=create_failed status={}", res.status);
    return std::nullopt;
  }
  return res.body["ticket"]["id"].get<int64_t>();
}

std::optional<int64_t> ZendeskDemo::group_of(int64_t ticket) {
  SimRequest r;
  r.method = "GET";
  r.path = "/sim/tickets/" + std::to_string(ticket);
  SimResponse res = service_.handle(r);
  if (res.status != 200) return std::nullopt;
  const json& group = res.body["ticket"]["group_id"];
  if (!group.is_number()) return std::nullopt;
  return group.get<int64_t>();
}

int ZendeskDemo::act(int64_t ticket, int64_t agent, bool solve) {
  json update = {
      {"actor_id", agent},
      {"ticket",
       {{"assignee_id", agent},
        {"status", solve ? "solved" : "pending"},
        {"comment",
         {{"body", solve ? "This is fixed now, closing the loop."
                         : "Thanks, we are looking into it. Could you send a screenshot?"},
          {"public", true}}}}}};
  return service_.update_ticket_as_agent(ticket, update).status;
}

}  // namespace tierd::sim
