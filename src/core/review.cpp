#include "core/review.h"

#include <algorithm>
#include <tuple>
#include <vector>

namespace tierd {
namespace {

template <typename T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The next available agent after `last` in `order`, wrapping around.
std::optional<UserId> next_in_turn(const std::vector<UserId>& order,
                                   const std::vector<UserId>& available,
                                   std::optional<UserId> last) {
  if (available.empty()) return std::nullopt;
  size_t start = 0;
  if (last) {
    auto it = std::find(order.begin(), order.end(), *last);
    if (it != order.end()) start = static_cast<size_t>(it - order.begin()) + 1;
  }
  for (size_t i = 0; i < order.size(); ++i) {
    UserId candidate = order[(start + i) % order.size()];
    if (contains(available, candidate)) return candidate;
  }
  return std::nullopt;
}

std::optional<UserId> cursor_of(const Roster& roster, const std::string& key) {
  auto it = roster.cursors.find(key);
  if (it == roster.cursors.end()) return std::nullopt;
  return it->second;
}

AgentPick round_robin(const std::vector<UserId>& order, const std::vector<UserId>& available,
                      const Roster& roster, const std::string& key) {
  AgentPick pick;
  pick.agent = next_in_turn(order, available, cursor_of(roster, key));
  if (pick.agent) pick.cursor = std::make_pair(key, *pick.agent);
  return pick;
}

}  // namespace

bool rule_matches(const RoutingCondition& c, const TicketSnapshot& t) {
  if (!c.channels.empty() && !contains(c.channels, ascii_lower(t.channel))) return false;
  if (!c.form_ids.empty() && (!t.form_id || !contains(c.form_ids, *t.form_id))) return false;
  if (!c.priorities.empty() && (!t.priority || !contains(c.priorities, *t.priority))) return false;
  if (!c.tags_any.empty() && std::none_of(c.tags_any.begin(), c.tags_any.end(),
                                          [&](const std::string& tag) { return t.has_tag(tag); })) {
    return false;
  }
  if (!std::all_of(c.tags_all.begin(), c.tags_all.end(),
                   [&](const std::string& tag) { return t.has_tag(tag); })) {
    return false;
  }
  if (!c.organization_ids.empty() &&
      (!t.organization_id || !contains(c.organization_ids, *t.organization_id))) {
    return false;
  }
  if (!c.keywords.empty()) {
    std::string text = ascii_lower(t.subject) + "\n" + ascii_lower(t.description);
    if (std::none_of(c.keywords.begin(), c.keywords.end(),
                     [&](const std::string& k) { return text.find(k) != std::string::npos; })) {
      return false;
    }
  }
  return true;
}

const RoutingRule* first_matching_rule(const Policy& policy, const TicketSnapshot& t) {
  for (const auto& rule : policy.routing_rules) {
    if (rule_matches(rule.when, t)) return &rule;
  }
  return nullptr;
}

std::optional<ForwardRequest> forward_request(const TicketState& s, const Policy& policy) {
  const std::string& prefix = policy.tags.forward_prefix;
  for (const auto& tag : s.ticket.tags) {
    if (tag.size() <= prefix.size() || tag.compare(0, prefix.size(), prefix) != 0) continue;
    if (s.pending_removes_tag(tag)) continue;
    return ForwardRequest{tag.substr(prefix.size()), tag, ""};
  }
  if (!policy.review || !policy.review->forward_field_id) return std::nullopt;
  for (const auto& f : s.ticket.custom_fields) {
    if (f.id != *policy.review->forward_field_id) continue;
    if (f.value.empty() || f.value == s.consumed_forward_field) return std::nullopt;
    // A dropdown option's value is a tag; admins may name it after the route
    // or after its forward tag.
    std::string route = ascii_lower(f.value);
    if (route.size() > prefix.size() && route.compare(0, prefix.size(), prefix) == 0) {
      route = route.substr(prefix.size());
    }
    return ForwardRequest{route, "", f.value};
  }
  return std::nullopt;
}

AgentPick pick_route_agent(const RoutePolicy& route, const TicketSnapshot& t, const Roster& roster,
                           Instant now, const AvailabilityPolicy& availability) {
  AgentPick none;
  if (route.assign == RouteAssign::kNone) {
    none.reason = "the route assigns nobody";
    return none;
  }
  std::vector<UserId> available;
  for (UserId agent : route.agents) {
    if (roster.available(agent, route.group, now, availability)) available.push_back(agent);
  }
  if (available.empty()) {
    none.reason = "no agent of the route is available";
    return none;
  }
  switch (route.assign) {
    case RouteAssign::kRoundRobin:
      return round_robin(route.agents, available, roster, route_cursor_key(route.name));
    case RouteAssign::kLeastOpen: {
      AgentPick pick;
      pick.agent = *std::min_element(available.begin(), available.end(), [&](UserId a, UserId b) {
        return std::make_pair(roster.open_count(a), a) < std::make_pair(roster.open_count(b), b);
      });
      return pick;
    }
    case RouteAssign::kSkills: {
      auto matched = [&](UserId agent) {
        int64_t n = 0;
        auto it = route.skills.find(agent);
        if (it == route.skills.end()) return n;
        for (const auto& tag : it->second) n += t.has_tag(tag) ? 1 : 0;
        return n;
      };
      AgentPick pick;
      // Most matched skills first, then fewest open tickets, then lowest id.
      pick.agent = *std::min_element(available.begin(), available.end(), [&](UserId a, UserId b) {
        return std::make_tuple(-matched(a), roster.open_count(a), a) <
               std::make_tuple(-matched(b), roster.open_count(b), b);
      });
      return pick;
    }
    case RouteAssign::kNone:
      break;
  }
  return none;
}

AgentPick pick_reviewer(const ReviewPolicy& review, GroupId group, const Roster& roster,
                        Instant now, const AvailabilityPolicy& availability) {
  std::vector<UserId> available;
  for (UserId reviewer : review.reviewers) {
    if (roster.available(reviewer, group, now, availability)) available.push_back(reviewer);
  }
  if (available.empty()) {
    AgentPick none;
    none.reason = "no reviewer is available";
    return none;
  }
  return round_robin(review.reviewers, available, roster, review_cursor_key());
}

}  // namespace tierd
