#include "reports/replay.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <queue>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/policy_builder.h"
#include "core/decide.h"
#include "core/roster.h"
#include "reports/export_events.h"
#include "reports/report.h"

namespace tierd {
namespace {

using nlohmann::json;

std::string text_of(const json& d, const char* key) {
  auto it = d.find(key);
  if (it == d.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string ms_text(const json& d, const char* key) {
  auto it = d.find(key);
  return it != d.end() && it->is_number() ? format_duration(Duration(it->get<int64_t>())) : "?";
}

std::string user_text(const json& d, const char* key) {
  std::string id = text_of(d, key);
  return id.empty() ? "nobody" : "user " + id;
}

// A recorded change, applied to the simulated ticket: what differs between
// the ticket's previous recorded state and this one. Everything else the
// simulated ticket keeps, in particular what this policy's writes did to it
// and its own updated_at.
void apply_recorded_change(TicketSnapshot& sim, const TicketSnapshot& before,
                           const TicketSnapshot& after) {
  TicketSnapshot change = after;
  change.id = sim.id;
  change.updated_at.reset();
  if (after.status == before.status) change.status = TicketStatus::kUnknown;
  if (after.priority == before.priority) change.priority.reset();
  if (after.group_id == before.group_id) change.group_id = sim.group_id;
  if (after.assignee_id == before.assignee_id) change.assignee_id = sim.assignee_id;
  if (after.tags_known) {
    std::vector<std::string> added, removed;
    std::set_difference(after.tags.begin(), after.tags.end(), before.tags.begin(),
                        before.tags.end(), std::back_inserter(added));
    std::set_difference(before.tags.begin(), before.tags.end(), after.tags.begin(),
                        after.tags.end(), std::back_inserter(removed));
    change.tags = apply_tag_changes(sim.tags, added, removed);
  }
  change.custom_fields = sim.custom_fields;
  for (const auto& field : after.custom_fields) {
    auto old = std::find_if(before.custom_fields.begin(), before.custom_fields.end(),
                            [&](const CustomFieldValue& f) { return f.id == field.id; });
    if (old != before.custom_fields.end() && old->value == field.value) continue;
    auto mine = std::find_if(change.custom_fields.begin(), change.custom_fields.end(),
                             [&](const CustomFieldValue& f) { return f.id == field.id; });
    if (mine != change.custom_fields.end()) {
      mine->value = field.value;
    } else {
      change.custom_fields.push_back(field);
    }
  }
  merge_snapshot(sim, change);
}

// The helpdesk applying one of tierd's writes. The simulated helpdesk holds
// a whole tag list from then on, even when the recording carried none.
void apply_write(TicketSnapshot& t, const TicketWrite& w) {
  t = ticket_after_write(std::move(t), w);
  t.tags_known = true;
}

class Simulation {
 public:
  Simulation(const Policy& policy, ReplayRun& run)
      : policy_(policy), run_(run), roster_(full_roster(policy)) {}

  void event(TicketEvent e) {
    Ticket& t = tickets_[e.ticket_id];
    bool own_write = policy_.api_user_id && e.actor_id && *e.actor_id == *policy_.api_user_id;
    if (e.has_snapshot) {
      if (!t.recorded_known) {
        t.sim = e.ticket;
      } else if (!own_write) {
        apply_recorded_change(t.sim, t.recorded, e.ticket);
      }
      if (t.recorded_known) {
        merge_snapshot(t.recorded, e.ticket);
      } else {
        t.recorded = e.ticket;
      }
      t.recorded_known = true;
    } else if (t.recorded_known) {
      TicketSnapshot after = apply_change(t.recorded, e);
      if (!own_write) apply_recorded_change(t.sim, t.recorded, after);
      t.recorded = after;
    }
    if (own_write) {
      ++run_.own_writes_skipped;
      return;
    }
    ++run_.events;
    Instant now = e.time;
    if (t.recorded_known) {
      // decide() sees the simulated ticket: the recorded change on top of
      // what this policy did to it.
      t.sim.id = e.ticket_id;
      Instant stamp = e.ticket.updated_at.value_or(now);
      if (!t.sim.updated_at || *t.sim.updated_at < stamp) t.sim.updated_at = stamp;
      e.has_snapshot = true;
      e.ticket = t.sim;
    }
    run_.audit.push_back({0, e.ticket_id, now, "event", e.event_id, event_audit_detail(e).dump()});
    std::string event_id = e.event_id;
    TicketId id = e.ticket_id;
    feed(id, t, Input::Event(std::move(e)), now, event_id, 0);
  }

  // Fires every deadline due at or before `limit`, in deadline order.
  void fire_until(Instant limit) {
    while (!heap_.empty() && heap_.top().first <= limit) {
      auto [at, id] = heap_.top();
      heap_.pop();
      auto it = tickets_.find(id);
      if (it == tickets_.end() || it->second.deadline != at) continue;  // superseded
      it->second.deadline.reset();
      ++run_.ticks;
      last_tick_ = std::max(last_tick_, at);
      feed(id, it->second, Input::Tick(), at, "", 0);
    }
  }

  Instant last_tick() const { return last_tick_; }

 private:
  struct Ticket {
    TicketState state;
    TicketSnapshot sim;       // the simulated helpdesk ticket
    TicketSnapshot recorded;  // the ticket as the last recorded event showed it
    bool recorded_known = false;
    std::optional<Instant> deadline;
    int idle_ticks = 0;  // ticks in a row that changed nothing
    StayWait stay;       // the current tier stay, for explaining waits
  };

  // Keeps `stay` in step with the audit notes of the tier clock.
  static void follow_stay(StayWait& stay, const std::string& kind, const json& detail,
                          Instant now) {
    if (kind == "tier_entered") {
      stay = StayWait{};
      stay.tier = detail.value("tier", "");
      auto at = parse_instant(detail.value("at", ""));
      stay.entered = at.ok() ? *at : now;
    } else if (kind == "clock_paused") {
      std::string status = detail.value("status", "");
      if (!status.empty()) stay.pause_statuses.insert(status);
    }
  }

  std::optional<WaitFacts> wait_of(const StayWait& stay, Instant at, Duration used) const {
    if (stay.tier.empty()) return std::nullopt;
    const WorkCalendar* calendar = nullptr;
    for (const auto& tier : policy_.tiers) {
      if (tier.name == stay.tier) calendar = tier.calendar.get();
    }
    WaitFacts facts = measure_wait(stay, at, used, calendar);
    if (!stretched(facts)) return std::nullopt;
    return facts;
  }

  void feed(TicketId id, Ticket& t, const Input& input, Instant now, const std::string& event_id,
            int depth) {
    const std::optional<UserId> holder = open_assignee(t.state);
    Decision d = decide(t.state, input, now, policy_, roster_);
    for (const auto& [pool, agent] : d.cursor_updates) roster_.cursors[pool] = agent;
    const std::optional<UserId> next_holder = open_assignee(d.state);
    if (holder != next_holder) {
      if (holder) --roster_.open_tickets[*holder];
      if (next_holder) ++roster_.open_tickets[*next_holder];
    }
    for (const auto& note : d.audit) {
      run_.audit.push_back({0, id, now, note.kind, event_id, note.detail.dump()});
      if (auto decision = decision_from_audit(now, id, note.kind, note.detail)) {
        if (note.detail.value("reason", "") == "budget") {
          decision->wait = wait_of(t.stay, now, Duration(note.detail.value("used_ms", int64_t{0})));
        }
        run_.decisions.push_back(std::move(*decision));
      }
      follow_stay(t.stay, note.kind, note.detail, now);
    }
    bool changed = !d.audit.empty() || !d.writes.empty();
    t.state = std::move(d.state);
    schedule(id, t, d.next_deadline, input.kind == InputKind::kTick && !changed, now);
    if (d.writes.empty() || depth > 8) return;
    // The helpdesk applies the writes and answers with the ticket, at once.
    std::vector<std::string> keys;
    for (const auto& w : d.writes) {
      apply_write(t.sim, w);
      keys.push_back(w.idempotency_key);
    }
    if (!t.sim.updated_at || *t.sim.updated_at < now) t.sim.updated_at = now;
    feed(id, t, Input::WriteOutcome(InputKind::kWriteConfirmed, keys, t.sim, "simulated"), now,
         event_id, depth + 1);
  }

  void schedule(TicketId id, Ticket& t, std::optional<Instant> deadline, bool idle_tick,
                Instant now) {
    t.idle_ticks = idle_tick ? t.idle_ticks + 1 : 0;
    if (deadline && *deadline <= now) {
      // A deadline that is already due fires next; a rule that keeps asking
      // for it without changing anything is dropped rather than spun on.
      if (t.idle_ticks > 3)
        deadline.reset();
      else
        deadline = now + Duration(1);
    }
    t.deadline = deadline;
    if (deadline) heap_.emplace(*deadline, id);
  }

  // A replay has no live memberships: every agent the policy names counts
  // as a member of its route's group (reviewers of the review groups), and
  // schedules still apply. Open counts and round-robin cursors evolve with
  // the run, as the engine's do.
  static Roster full_roster(const Policy& policy) {
    Roster r;
    for (const auto& route : policy.routes) {
      r.members[route.group].insert(route.agents.begin(), route.agents.end());
    }
    if (policy.review) {
      for (GroupId g : policy.review->groups) {
        r.members[g].insert(policy.review->reviewers.begin(), policy.review->reviewers.end());
      }
    }
    return r;
  }

  using Due = std::pair<Instant, TicketId>;
  const Policy& policy_;
  ReplayRun& run_;
  Roster roster_;
  std::unordered_map<TicketId, Ticket> tickets_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> heap_;
  Instant last_tick_{};
};

}  // namespace

json to_json(const ReplayDecision& d) {
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  json j = {{"at", format_instant(d.at)}, {"ticket", d.ticket},  {"action", d.action},
            {"from", or_null(d.from)},    {"to", or_null(d.to)}, {"reason", d.reason}};
  if (d.wait) {
    json holidays = json::array();
    for (const auto& day : d.wait->holidays) holidays.push_back(date::format("%F", day));
    j["wait"] = {{"tier", d.wait->tier},
                 {"entered", format_instant(d.wait->entered)},
                 {"wall_ms", d.wait->wall.count()},
                 {"paused_ms", d.wait->paused.count()},
                 {"closed_ms", d.wait->closed.count()},
                 {"pause_statuses", d.wait->pause_statuses},
                 {"holidays", std::move(holidays)}};
  }
  return j;
}

namespace {

std::string describe_at(const ReplayDecision& d, const std::string& when, const LocalTime* local) {
  std::string move;
  if (!d.from.empty() || !d.to.empty()) {
    move = d.from.empty() ? "-> " + d.to : d.to.empty() ? d.from : d.from + " -> " + d.to;
  }
  std::string line = when + "  ticket " + std::to_string(d.ticket) + "  " + d.action;
  if (!move.empty()) line += "  " + move;
  if (!d.reason.empty()) line += "  " + d.reason;
  if (d.wait && local) line += "; " + describe_wait(*d.wait, *local);
  return line;
}

}  // namespace

std::string describe(const ReplayDecision& d) {
  return describe_at(d, format_instant(d.at), nullptr);
}

std::string describe(const ReplayDecision& d, const LocalTime& local) {
  return describe_at(d, local.format(d.at), &local);
}

std::optional<ReplayDecision> decision_from_audit(Instant at, TicketId ticket,
                                                  const std::string& kind, const json& d) {
  ReplayDecision out;
  out.at = at;
  out.ticket = ticket;
  out.action = kind;
  if (kind == "escalate" || kind == "deescalate") {
    out.from = text_of(d, "from");
    out.to = text_of(d, "to");
    if (text_of(d, "reason") == "budget") {
      out.reason = ms_text(d, "used_ms") + " of handling time used, budget " +
                   ms_text(d, "budget_ms") + " for " + text_of(d, "priority") + " priority";
    } else {
      out.reason = "an agent added the tag " + text_of(d, "tag");
    }
    if (d.contains("follower"))
      out.reason += "; previous assignee user " + text_of(d, "follower") + " follows";
  } else if (kind == "at_risk") {
    out.from = text_of(d, "tier");
    out.reason = ms_text(d, "used_ms") + " of " + ms_text(d, "budget_ms") + " used";
  } else if (kind == "retag") {
    out.reason = "tier tags fixed after a move by hand";
  } else if (kind == "refused") {
    out.action = "refuse_tag";
    out.reason = text_of(d, "tag") + ": " + text_of(d, "reason");
  } else if (kind == "review_entered") {
    out.action = "review";
    out.to = "group " + text_of(d, "group");
    out.reason = "arrived in the review queue (tag " + text_of(d, "tag") + ")";
  } else if (kind == "reviewer_assigned") {
    out.action = "assign_reviewer";
    out.to = user_text(d, "reviewer_id");
    out.reason = "reviewer picked round-robin";
  } else if (kind == "forwarded") {
    out.action = "forward";
    out.from = "review";
    out.to = "route " + text_of(d, "route");
    std::string to_tier = text_of(d, "to_tier");
    if (!to_tier.empty()) out.to += " (" + to_tier + ")";
    out.reason = text_of(d, "by") == "rule"
                     ? "routing rule " + text_of(d, "rule")
                     : "forwarded by reviewer " + user_text(d, "reviewer_id");
    out.reason += ", assigned to " + user_text(d, "assignee_id");
  } else if (kind == "forward_unknown_route") {
    out.action = "forward_refused";
    out.reason = "no route named " + text_of(d, "route");
  } else if (kind == "review_escalated") {
    out.action = "review_escalate";
    out.from = "review";
    out.to = "group " + text_of(d, "lead_group");
    out.reason = ms_text(d, "used_ms") + " in review, budget " + ms_text(d, "budget_ms");
  } else if (kind == "unassigned") {
    out.reason = "route " + text_of(d, "route") + ": " + text_of(d, "reason");
  } else {
    return std::nullopt;
  }
  return out;
}

ReplayRun replay(std::vector<TicketEvent> events, const Policy& policy,
                 const ReplayOptions& options) {
  ReplayRun run;
  std::stable_sort(events.begin(), events.end(),
                   [](const TicketEvent& a, const TicketEvent& b) { return a.time < b.time; });
  if (events.empty()) return run;
  run.started = events.front().time;
  Instant last_event = events.back().time;
  Instant end = options.until ? *options.until : last_event + options.horizon;

  Simulation sim(policy, run);
  std::unordered_set<std::string> seen;
  Instant clock = run.started;
  for (auto& e : events) {
    if (e.time > end) break;
    if (!e.event_id.empty() && !seen.insert(e.event_id).second) {
      ++run.duplicates;
      continue;
    }
    sim.fire_until(e.time);
    clock = e.time;
    sim.event(std::move(e));
  }
  sim.fire_until(end);
  run.ended = options.until ? *options.until : std::max(clock, sim.last_tick());
  for (size_t i = 0; i < run.audit.size(); ++i) run.audit[i].id = static_cast<int64_t>(i + 1);
  return run;
}

ReplayDiff diff_runs(const ReplayRun& a, const ReplayRun& b) {
  using Key = std::tuple<TicketId, std::string, std::string, std::string>;
  auto key = [](const ReplayDecision& d) { return Key{d.ticket, d.action, d.from, d.to}; };
  std::map<Key, std::vector<const ReplayDecision*>> in_b;
  for (const auto& d : b.decisions) in_b[key(d)].push_back(&d);
  std::map<Key, size_t> used;
  ReplayDiff diff;
  for (const auto& d : a.decisions) {
    Key k = key(d);
    auto& candidates = in_b[k];
    size_t& next = used[k];
    if (next < candidates.size()) {
      const ReplayDecision& other = *candidates[next++];
      if (other.at == d.at) {
        ++diff.same;
      } else {
        diff.differences.push_back({ReplayDifference::Change::kMoved, d, other});
      }
    } else {
      diff.differences.push_back({ReplayDifference::Change::kOnlyA, d, {}});
    }
  }
  for (const auto& [k, candidates] : in_b) {
    for (size_t i = used[k]; i < candidates.size(); ++i) {
      diff.differences.push_back({ReplayDifference::Change::kOnlyB, {}, *candidates[i]});
    }
  }
  auto when = [](const ReplayDifference& x) {
    return x.change == ReplayDifference::Change::kOnlyB ? x.b.at : x.a.at;
  };
  std::stable_sort(
      diff.differences.begin(), diff.differences.end(),
      [&](const ReplayDifference& x, const ReplayDifference& y) { return when(x) < when(y); });
  return diff;
}

}  // namespace tierd
