// Builders shared by the decide() tests: a three-tier policy and events as a
// vendor adapter would produce them.
#pragma once

#include <string>
#include <vector>

#include "core/decide.h"

namespace tierd::test {

using namespace std::chrono_literals;

inline Instant at(const char* iso) { return *parse_instant(iso); }
inline const Instant kT0 = from_unix_ms(1'760'000'000'000);  // a Thursday

inline Policy three_tiers() {
  Policy p;
  TierPolicy t1;
  t1.name = "tier1";
  t1.groups = {101, 111};
  t1.budget = 15min;
  t1.priority_budgets[Priority::kUrgent] = 5min;
  TierPolicy t2;
  t2.name = "tier2";
  t2.groups = {102};
  t2.budget = 30min;
  TierPolicy t3;
  t3.name = "tier3";
  t3.groups = {103};
  p.tiers = {t1, t2, t3};
  p.api_user_id = 999;
  return p;
}

inline TicketSnapshot ticket(GroupId group, TicketStatus status, Instant updated,
                             std::optional<UserId> assignee = std::nullopt,
                             std::vector<std::string> tags = {}) {
  TicketSnapshot t;
  t.id = 42;
  t.status = status;
  t.priority = Priority::kNormal;
  t.group_id = group;
  t.assignee_id = assignee;
  t.tags = normalize_tags(std::move(tags));
  t.tags_known = true;
  t.created_at = updated;
  t.updated_at = updated;
  return t;
}

inline TicketEvent event(EventKind kind, const TicketSnapshot& t, Instant when,
                         std::optional<UserId> actor = 500) {
  static int counter = 0;
  TicketEvent e;
  e.event_id = "ev-" + std::to_string(++counter);
  e.kind = kind;
  e.type = std::string("zen:event-type:ticket.") + event_kind_name(kind);
  e.ticket_id = t.id;
  e.time = when;
  e.actor_id = actor;
  e.has_snapshot = true;
  e.ticket = t;
  e.ticket.updated_at = when;
  return e;
}

// Runs decide() and returns the decision; the caller keeps the state.
struct Driver {
  Policy policy = three_tiers();
  TicketState state;
  std::vector<Decision> history;

  const Decision& feed(const Input& in, Instant now) {
    history.push_back(decide(state, in, now, policy));
    state = history.back().state;
    return history.back();
  }
  const Decision& on(const TicketEvent& e, Instant now) { return feed(Input::Event(e), now); }
  const Decision& tick(Instant now) { return feed(Input::Tick(), now); }
  const Decision& confirm(const TicketWrite& w, const TicketSnapshot& answer, Instant now) {
    return feed(Input::WriteOutcome(InputKind::kWriteConfirmed, {w.idempotency_key}, answer, "200"), now);
  }
};

// The ticket as the vendor would store it after `w`.
inline TicketSnapshot after_write(TicketSnapshot t, const TicketWrite& w, Instant when) {
  if (w.set_group) t.group_id = w.set_group;
  if (w.clear_assignee) t.assignee_id.reset();
  if (w.set_assignee) t.assignee_id = w.set_assignee;
  t.tags = w.apply_tags(t.tags);
  t.updated_at = when;
  return t;
}

}  // namespace tierd::test
