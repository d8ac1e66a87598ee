#include "reports/report.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/policy_builder.h"
#include "core/decide.h"
#include "reports/audit_fields.h"

namespace tierd {
namespace {

std::optional<Instant> instant_field(const AuditFields& d, const char* key) {
  const std::string& text = d.text(key);
  if (text.empty()) return std::nullopt;
  auto t = parse_instant(text);
  if (!t.ok()) return std::nullopt;
  return *t;
}

bool is_solved_status(const std::string& status) {
  return status == "solved" || status == "closed";
}

// The status an event record says the ticket has after it, lower-case; "" when
// the record does not say.
std::string event_status(const AuditFields& d) {
  std::string status = d.text("status");
  if (status.empty() && d.text("kind") == "status_changed") status = d.text("current");
  return ascii_lower(status);
}

struct TicketTrack {
  std::optional<Instant> first_seen;  // the first tier or review entry in the window
  int tier = -1;                      // index into State::tier_names; -1: none / unknown
  std::optional<Instant> stay_since;  // when the current stay began, if seen
  Duration stay_used{0};              // the current stay's clock, as last reported
  std::optional<UserId> assignee;
  std::optional<UserId> requester;
  std::vector<UserId> followers;  // previous assignees kept on by escalations
  std::string status;
  bool solved = false;
  Instant solved_at{};
  int solved_tier = -1;
  std::optional<UserId> solved_by;        // the actor of the final solve
  std::optional<UserId> solved_assignee;  // the assignee at that moment
  std::string solved_route;               // the route of the last solve
  std::optional<Instant> review_since;
  std::string route;                    // the route that last forwarded it
  std::optional<Instant> forwarded_at;  // that forward, while it may still be a misroute
  std::optional<UserId> forwarded_by;   // its reviewer
  // By tier index: the tiers it entered and those it was escalated out of in
  // the window (each ticket counts once per tier).
  std::vector<bool> entered;
  std::vector<bool> escalated_out;
};

void mark(std::vector<bool>& tiers, int index) {
  auto i = static_cast<size_t>(index);
  if (tiers.size() <= i) tiers.resize(i + 1);
  tiers[i] = true;
}

bool marked(const std::vector<bool>& tiers, size_t index) {
  return index < tiers.size() && tiers[index];
}

void count_cause(CauseCounts& c, const std::string& cause) {
  if (cause == "timer") ++c.timer;
  if (cause == "manual_tag") ++c.manual_tag;
  if (cause == "review_budget") ++c.review_budget;
  if (cause == "agent_move") ++c.agent_move;
}

}  // namespace

const std::vector<std::string>& report_audit_kinds() {
  static const std::vector<std::string> kinds = {"event",
                                                 "tier_entered",
                                                 "tier_left",
                                                 "clock_paused",
                                                 "escalate",
                                                 "deescalate",
                                                 "group_moved",
                                                 "review_entered",
                                                 "reviewer_assigned",
                                                 "forwarded",
                                                 "forward_unknown_route",
                                                 "review_escalated",
                                                 "unassigned"};
  return kinds;
}

namespace {

struct RouteTrack {
  int64_t forwarded = 0;
  int64_t misroutes = 0;
  FlowCounts flow;
};

}  // namespace

struct ReportBuilder::State {
  const Policy& policy;
  Instant since;
  Instant now;
  ReportOptions options;
  std::vector<FlowCounts> tier_flow;
  std::map<std::string, RouteTrack> routes;
  std::vector<std::string> route_order;  // policy order, then as met
  std::map<UserId, int64_t> reviewer_misroutes;
  std::vector<std::string> tier_names;
  std::vector<std::vector<Duration>> time_in_tier;
  std::vector<std::vector<Duration>> handling;
  std::unordered_map<TicketId, TicketTrack> tickets;
  std::map<UserId, AgentLine> agents;
  std::set<UserId> known_agents;  // users the trail or the policy shows to be agents
  std::map<UserId, std::set<TicketId>> reviewed;
  std::map<UserId, std::vector<Duration>> forward_times;
  std::map<UserId, int64_t> forwards;
  ReviewSummary review;

  State(const Policy& p, Instant s, Instant n, ReportOptions o)
      : policy(p), since(s), now(n), options(o) {
    for (const auto& t : p.tiers) add_tier(t.name);
    for (const auto& r : p.routes) {
      route(r.name);
      known_agents.insert(r.agents.begin(), r.agents.end());
    }
    if (p.review) known_agents.insert(p.review->reviewers.begin(), p.review->reviewers.end());
    for (const auto& [agent, schedule] : p.availability.schedules) known_agents.insert(agent);
  }

  // Only agents can hold a ticket, review or follow one by tierd's hand.
  void note_agent(std::optional<UserId> id) {
    if (id && *id > 0) known_agents.insert(*id);
  }

  int add_tier(const std::string& name) {
    tier_names.push_back(name);
    time_in_tier.emplace_back();
    handling.emplace_back();
    tier_flow.emplace_back();
    return static_cast<int>(tier_names.size()) - 1;
  }

  RouteTrack& route(const std::string& name) {
    auto [it, added] = routes.try_emplace(name);
    if (added) route_order.push_back(name);
    return it->second;
  }

  // The flow counters a ticket's step counts in: its tier's and its route's.
  template <typename Fn>
  void count_flow(int tier, const std::string& route_name, Fn&& fn) {
    if (tier >= 0) fn(tier_flow[static_cast<size_t>(tier)]);
    if (!route_name.empty()) fn(route(route_name).flow);
  }

  // A forward that is moved on within the window counts once as a misroute.
  void check_misroute(TicketTrack& t, Instant at) {
    if (!t.forwarded_at) return;
    if (at - *t.forwarded_at <= options.misroute_window) {
      ++route(t.route).misroutes;
      ++review.misroutes;
      if (t.forwarded_by) ++reviewer_misroutes[*t.forwarded_by];
    }
    t.forwarded_at.reset();
  }

  int tier_index(const std::string& name) {
    if (name.empty() || name == "none") return -1;
    auto it = std::find(tier_names.begin(), tier_names.end(), name);
    if (it != tier_names.end()) return static_cast<int>(it - tier_names.begin());
    return add_tier(name);
  }

  AgentLine& agent(UserId id) {
    AgentLine& a = agents[id];
    a.id = id;
    return a;
  }

  void seen(TicketTrack& t, Instant at) {
    if (!t.first_seen) t.first_seen = at;
  }

  void on_event(TicketTrack& t, const AuditRecord& r, const AuditFields& d) {
    // An event with the ticket's state (it has a status) names the assignee,
    // or has none: the ticket is unassigned then.
    if (d.has("status")) t.assignee = d.integer("assignee");
    if (d.text("kind") == "assignee_changed") t.assignee = d.integer("current");
    note_agent(t.assignee);
    if (auto requester = d.integer("requester")) t.requester = *requester;
    if (t.tier < 0 && !t.stay_since) {
      // A ticket whose stay began before the window: its group still says where it is.
      if (auto group = d.integer("group")) {
        int index = policy.tier_of_group(*group);
        if (index >= 0) t.tier = index;
      }
    }
    std::string status = event_status(d);
    if (status.empty()) return;
    bool was_solved = is_solved_status(t.status);
    t.status = status;
    if (is_solved_status(status) && !was_solved) {
      t.solved = true;
      t.solved_at = r.at;
      t.solved_tier = t.tier;
      t.solved_route = t.route;
      t.solved_by = d.integer("actor");
      t.solved_assignee = t.assignee;
      count_flow(t.tier, t.route, [](FlowCounts& f) { ++f.solves; });
    } else if (!is_solved_status(status)) {
      if (was_solved && t.solved) {
        count_flow(t.solved_tier, t.solved_route, [](FlowCounts& f) { ++f.reopened; });
      }
      t.solved = false;
    }
  }

  void add(const AuditRecord& r) {
    if (r.at < since || r.at > now) return;
    // The same records whether they come from a list or from the store's
    // query, which asks for these kinds alone.
    const auto& kinds = report_audit_kinds();
    if (std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end()) return;
    const AuditFields d(r.detail_json);
    TicketTrack& t = tickets[r.ticket_id];
    const std::string& k = r.kind;
    if (k == "event") {
      on_event(t, r, d);
    } else if (k == "tier_entered") {
      Instant at = instant_field(d, "at").value_or(r.at);
      seen(t, at);
      t.tier = tier_index(d.text("tier"));
      t.stay_since = at;
      t.stay_used = Duration(0);
      if (t.tier >= 0) mark(t.entered, t.tier);
    } else if (k == "tier_left") {
      int from = tier_index(d.text("tier"));
      int to = tier_index(d.text("to"));
      if (from >= 0 && to >= 0 && d.text("how") == "agent") {
        if (to > from) {
          count_flow(from, t.route, [](FlowCounts& f) { ++f.escalated_by.agent_move; });
        } else if (to < from) {
          count_flow(from, t.route, [](FlowCounts& f) { ++f.bounced_back; });
        }
      }
      if (from >= 0) {
        if (to > from) mark(t.escalated_out, from);
        if (auto stay = d.integer("stay_ms")) {
          time_in_tier[static_cast<size_t>(from)].push_back(Duration(*stay));
        }
        if (auto used = d.integer("used_ms"))
          handling[static_cast<size_t>(from)].push_back(Duration(*used));
      }
      t.tier = -1;
      t.stay_since.reset();
      t.stay_used = Duration(0);
    } else if (k == "clock_paused") {
      if (auto used = d.integer("used_ms")) t.stay_used = Duration(*used);
    } else if (k == "escalate") {
      const std::string cause = escalation_cause(d.text("cause"), d.text("reason"));
      count_flow(tier_index(d.text("from")), t.route,
                 [&](FlowCounts& f) { count_cause(f.escalated_by, cause); });
      if (auto follower = d.integer("follower")) {
        note_agent(follower);
        if (std::find(t.followers.begin(), t.followers.end(), *follower) == t.followers.end()) {
          t.followers.push_back(*follower);
        }
      }
    } else if (k == "deescalate") {
      count_flow(tier_index(d.text("from")), t.route, [](FlowCounts& f) { ++f.bounced_back; });
    } else if (k == "group_moved") {
      check_misroute(t, r.at);
    } else if (k == "review_entered") {
      seen(t, r.at);
      t.review_since = r.at;
      ++review.entered;
    } else if (k == "reviewer_assigned") {
      if (auto reviewer = d.integer("reviewer_id")) {
        note_agent(reviewer);
        reviewed[*reviewer].insert(r.ticket_id);
      }
    } else if (k == "forwarded") {
      bool by_rule = d.text("by") == "rule";
      ++(by_rule ? review.forwarded_by_rule : review.forwarded_by_reviewer);
      auto reviewer = d.integer("reviewer_id");
      check_misroute(t, r.at);
      t.route = d.text("route");
      if (!t.route.empty()) ++route(t.route).forwarded;
      t.forwarded_at = r.at;
      t.forwarded_by = by_rule ? std::nullopt : reviewer;
      if (!by_rule && reviewer) {
        note_agent(reviewer);
        reviewed[*reviewer].insert(r.ticket_id);
        ++forwards[*reviewer];
        if (t.review_since && r.at >= *t.review_since) {
          forward_times[*reviewer].push_back(r.at - *t.review_since);
        }
      }
      if (auto assignee = d.integer("assignee_id")) {
        note_agent(assignee);
        ++agent(*assignee).received_forwards;
        t.assignee = *assignee;
      }
      t.review_since.reset();
    } else if (k == "forward_unknown_route") {
      ++review.unknown_route;
      if (auto reviewer = d.integer("reviewer_id")) {
        note_agent(reviewer);
        reviewed[*reviewer].insert(r.ticket_id);
      }
    } else if (k == "review_escalated") {
      ++review.escalated;
    } else if (k == "unassigned") {
      ++review.unassigned;
    }
  }

  // The agent who helped with a solve they were not assigned: the solve's
  // actor when the trail shows them to be an agent, and they are neither the
  // ticket's requester, the system (ids <= 0) nor tierd's own API user.
  std::optional<UserId> assisting_agent(const TicketTrack& t) const {
    const std::optional<UserId>& actor = t.solved_by;
    if (!actor || *actor <= 0 || actor == t.solved_assignee || actor == t.requester) return {};
    if (actor == policy.api_user_id || !known_agents.contains(*actor)) return {};
    return actor;
  }
};

Percentiles percentiles_of(std::vector<Duration> samples) {
  Percentiles p;
  p.count = samples.size();
  if (samples.empty()) return p;
  std::sort(samples.begin(), samples.end());
  auto rank = [&](double q) {
    size_t n = samples.size();
    size_t r = static_cast<size_t>(std::ceil(q * static_cast<double>(n)));
    return samples[std::clamp<size_t>(r, 1, n) - 1];
  };
  p.p50 = rank(0.5);
  p.p90 = rank(0.9);
  return p;
}

ReportBuilder::ReportBuilder(const Policy& policy, Instant since, Instant now,
                             ReportOptions options)
    : state_(std::make_unique<State>(policy, since, now, options)) {}

ReportBuilder::~ReportBuilder() = default;

namespace {

FlowCounts with_rate(FlowCounts f) {
  if (f.solves > 0) f.reopen_rate = static_cast<double>(f.reopened) / static_cast<double>(f.solves);
  return f;
}

}  // namespace

void ReportBuilder::add(const AuditRecord& record) {
  state_->add(record);
}

TierReport ReportBuilder::finish() const {
  const State& s = *state_;
  TierReport r;
  r.since = s.since;
  r.now = s.now;
  size_t n = s.tier_names.size();
  std::vector<int64_t> solved_in(n, 0);
  std::vector<int64_t> entered(n, 0);
  std::vector<int64_t> escalated_out(n, 0);
  std::vector<std::vector<Duration>> time_in_tier = s.time_in_tier;
  std::vector<std::vector<Duration>> handling = s.handling;
  std::vector<std::vector<Duration>> to_solve(n);
  std::map<UserId, AgentLine> agents = s.agents;
  auto agent = [&](UserId id) -> AgentLine& {
    AgentLine& a = agents[id];
    a.id = id;
    return a;
  };

  for (const auto& [id, t] : s.tickets) {
    for (size_t i = 0; i < n; ++i) {
      if (marked(t.entered, i)) ++entered[i];
      if (marked(t.escalated_out, i)) ++escalated_out[i];
    }
    if (t.first_seen) ++r.tickets;
    if (!t.solved) continue;
    ++r.solved;
    if (t.solved_assignee) {
      ++agent(*t.solved_assignee).solved;
    } else {
      ++r.unassigned_solves;
    }
    if (auto helper = s.assisting_agent(t)) ++agent(*helper).assisted;
    for (UserId f : t.followers) {
      if (f != t.solved_assignee && f != s.assisting_agent(t)) ++agent(f).followed_solves;
    }
    if (t.solved_tier < 0) continue;
    auto tier = static_cast<size_t>(t.solved_tier);
    ++solved_in[tier];
    if (t.tier == t.solved_tier && t.stay_since) {
      time_in_tier[tier].push_back(t.solved_at - *t.stay_since);
      handling[tier].push_back(t.stay_used);
    }
    if (t.first_seen && t.solved_at >= *t.first_seen)
      to_solve[tier].push_back(t.solved_at - *t.first_seen);
  }

  for (size_t i = 0; i < n; ++i) {
    TierLine line;
    line.name = s.tier_names[i];
    line.entered = entered[i];
    line.solved_in_tier = solved_in[i];
    line.escalated_out = escalated_out[i];
    if (r.tickets > 0) {
      line.share = static_cast<double>(line.entered) / static_cast<double>(r.tickets);
      line.solved_share = static_cast<double>(line.solved_in_tier) / static_cast<double>(r.tickets);
    }
    line.time_in_tier = percentiles_of(std::move(time_in_tier[i]));
    line.handling_time = percentiles_of(std::move(handling[i]));
    line.time_to_solve = percentiles_of(std::move(to_solve[i]));
    line.flow = with_rate(s.tier_flow[i]);
    r.tiers.push_back(std::move(line));
  }
  for (const auto& name : s.route_order) {
    const RouteTrack& track = s.routes.at(name);
    r.routes.push_back({name, track.forwarded, track.misroutes, with_rate(track.flow)});
  }

  for (const auto& [id, tickets] : s.reviewed)
    agent(id).reviewed = static_cast<int64_t>(tickets.size());
  for (const auto& [id, count] : s.forwards) {
    agent(id).forwarded = count;
    ReviewerLine line;
    line.id = id;
    line.forwarded = count;
    auto misroutes = s.reviewer_misroutes.find(id);
    if (misroutes != s.reviewer_misroutes.end()) line.misroutes = misroutes->second;
    auto times = s.forward_times.find(id);
    if (times != s.forward_times.end()) line.time_to_forward = percentiles_of(times->second);
    r.reviewers.push_back(std::move(line));
  }
  for (auto& [id, a] : agents) r.agents.push_back(a);
  r.review = s.review;
  return r;
}

TierReport build_report(const std::vector<AuditRecord>& records, const Policy& policy,
                        Instant since, Instant now, ReportOptions options) {
  ReportBuilder builder(policy, since, now, options);
  for (const auto& r : records) builder.add(r);
  return builder.finish();
}

Result<TierReport> build_report(Store& store, const Policy& policy, Instant since, Instant now,
                                ReportOptions options) {
  ReportBuilder builder(policy, since, now, options);
  AuditQuery query{.since = since, .until = now, .kinds = report_audit_kinds()};
  Status s = store.for_each_audit(query, [&](const AuditRecord& r) { builder.add(r); });
  if (!s.ok()) return s;
  return builder.finish();
}

}  // namespace tierd
