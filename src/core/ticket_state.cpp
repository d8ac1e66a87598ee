#include "core/ticket_state.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/ticket_event.h"

namespace tierd {

bool TicketState::has_pending(std::string_view kind) const {
  return std::any_of(pending.begin(), pending.end(),
                     [&](const PendingWrite& p) { return p.kind == kind; });
}

bool TicketState::pending_removes_tag(std::string_view tag) const {
  return std::any_of(pending.begin(), pending.end(), [&](const PendingWrite& p) {
    return std::find(p.removes_tags.begin(), p.removes_tags.end(), tag) != p.removes_tags.end();
  });
}

nlohmann::json to_json(const TicketState& s) {
  nlohmann::json stay{{"tier", s.stay.tier},
                      {"entered_at", to_unix_ms(s.stay.entered_at)},
                      {"entered_by", s.stay.entered_by},
                      {"used_ms", s.stay.used.count()},
                      {"at_risk", s.stay.at_risk},
                      {"escalation_blocked", s.stay.escalation_blocked}};
  if (s.stay.running_since) stay["running_since"] = to_unix_ms(*s.stay.running_since);
  nlohmann::json pending = nlohmann::json::array();
  for (const auto& p : s.pending) {
    nlohmann::json pj{{"key", p.key},
                      {"kind", p.kind},
                      {"to_tier", p.to_tier},
                      {"decided_at", to_unix_ms(p.decided_at)},
                      {"removes_tags", p.removes_tags}};
    if (p.to_group) pj["to_group"] = *p.to_group;
    if (p.sets_assignee)
      pj["to_assignee"] = p.to_assignee ? nlohmann::json(*p.to_assignee) : nlohmann::json();
    pending.push_back(std::move(pj));
  }
  nlohmann::json review{
      {"active", s.review.active},        {"entered_at", to_unix_ms(s.review.entered_at)},
      {"used_ms", s.review.used.count()}, {"entry_written", s.review.entry_written},
      {"at_risk", s.review.at_risk},      {"escalation_blocked", s.review.escalation_blocked}};
  if (s.review.running_since) review["running_since"] = to_unix_ms(*s.review.running_since);
  if (s.review.suggested_route) review["suggested_route"] = *s.review.suggested_route;
  nlohmann::json shadow = nlohmann::json::array();
  for (const auto& w : s.shadow_writes) {
    nlohmann::json wj{{"key", w.key},
                      {"kind", w.kind},
                      {"decided_at", to_unix_ms(w.decided_at)},
                      {"add_tags", w.add_tags},
                      {"remove_tags", w.remove_tags},
                      {"add_followers", w.add_followers},
                      {"clear_custom_fields", w.clear_custom_fields},
                      {"summary", w.summary}};
    if (w.set_group) wj["set_group"] = *w.set_group;
    if (w.sets_assignee)
      wj["to_assignee"] = w.to_assignee ? nlohmann::json(*w.to_assignee) : nlohmann::json();
    shadow.push_back(std::move(wj));
  }
  nlohmann::json out{
      {"id", s.id},
      {"known", s.known},
      {"deleted", s.deleted},
      {"ticket", to_json(s.ticket)},
      {"stay", std::move(stay)},
      {"pending", std::move(pending)},
      {"next_write_seq", s.next_write_seq},
      {"review", std::move(review)},
      {"forward_actor", s.forward_actor ? nlohmann::json(*s.forward_actor) : nlohmann::json()},
      {"consumed_forward_field", s.consumed_forward_field},
      {"forward_blocked", s.forward_blocked}};
  if (!shadow.empty()) out["shadow_writes"] = std::move(shadow);
  if (!s.own_removed_tags.empty()) out["own_removed_tags"] = s.own_removed_tags;
  if (!s.tags_to_restore.empty()) out["tags_to_restore"] = s.tags_to_restore;
  return out;
}

Result<TicketState> ticket_state_from_json(const nlohmann::json& j) {
  try {
    TicketState s;
    s.id = j.at("id").get<TicketId>();
    s.known = j.value("known", false);
    s.deleted = j.value("deleted", false);
    auto t = ticket_snapshot_from_json(j.at("ticket"));
    if (!t.ok()) return t.status();
    s.ticket = std::move(t).value();
    const auto& stay = j.at("stay");
    s.stay.tier = stay.at("tier").get<int>();
    s.stay.entered_at = from_unix_ms(stay.at("entered_at").get<int64_t>());
    s.stay.entered_by = stay.value("entered_by", "");
    s.stay.used = Duration(stay.at("used_ms").get<int64_t>());
    s.stay.at_risk = stay.value("at_risk", false);
    s.stay.escalation_blocked = stay.value("escalation_blocked", false);
    if (stay.contains("running_since")) {
      s.stay.running_since = from_unix_ms(stay["running_since"].get<int64_t>());
    }
    for (const auto& pj : j.at("pending")) {
      PendingWrite p;
      p.key = pj.at("key").get<std::string>();
      p.kind = pj.at("kind").get<std::string>();
      p.to_tier = pj.value("to_tier", -1);
      p.decided_at = from_unix_ms(pj.at("decided_at").get<int64_t>());
      p.removes_tags = pj.value("removes_tags", std::vector<std::string>{});
      if (pj.contains("to_group")) p.to_group = pj["to_group"].get<GroupId>();
      if (pj.contains("to_assignee")) {
        p.sets_assignee = true;
        if (!pj["to_assignee"].is_null()) p.to_assignee = pj["to_assignee"].get<UserId>();
      }
      s.pending.push_back(std::move(p));
    }
    s.next_write_seq = j.value("next_write_seq", int64_t{1});
    // States stored before the review stage existed have none of these.
    if (auto it = j.find("review"); it != j.end() && it->is_object()) {
      const auto& r = *it;
      s.review.active = r.value("active", false);
      s.review.entered_at = from_unix_ms(r.value("entered_at", int64_t{0}));
      s.review.used = Duration(r.value("used_ms", int64_t{0}));
      s.review.entry_written = r.value("entry_written", false);
      s.review.at_risk = r.value("at_risk", false);
      s.review.escalation_blocked = r.value("escalation_blocked", false);
      if (r.contains("running_since"))
        s.review.running_since = from_unix_ms(r["running_since"].get<int64_t>());
      if (r.contains("suggested_route"))
        s.review.suggested_route = r["suggested_route"].get<std::string>();
    }
    if (auto it = j.find("forward_actor"); it != j.end() && !it->is_null())
      s.forward_actor = it->get<UserId>();
    s.consumed_forward_field = j.value("consumed_forward_field", std::string());
    s.forward_blocked = j.value("forward_blocked", false);
    s.own_removed_tags = j.value("own_removed_tags", std::vector<std::string>{});
    s.tags_to_restore = j.value("tags_to_restore", std::vector<std::string>{});
    if (auto it = j.find("shadow_writes"); it != j.end()) {
      for (const auto& wj : *it) {
        ShadowWrite w;
        w.key = wj.at("key").get<std::string>();
        w.kind = wj.at("kind").get<std::string>();
        w.decided_at = from_unix_ms(wj.at("decided_at").get<int64_t>());
        if (wj.contains("set_group")) w.set_group = wj["set_group"].get<GroupId>();
        if (wj.contains("to_assignee")) {
          w.sets_assignee = true;
          if (!wj["to_assignee"].is_null()) w.to_assignee = wj["to_assignee"].get<UserId>();
        }
        w.add_tags = wj.value("add_tags", std::vector<std::string>{});
        w.remove_tags = wj.value("remove_tags", std::vector<std::string>{});
        w.add_followers = wj.value("add_followers", std::vector<UserId>{});
        w.clear_custom_fields = wj.value("clear_custom_fields", std::vector<int64_t>{});
        w.summary = wj.value("summary", std::string());
        s.shadow_writes.push_back(std::move(w));
      }
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("ticket state: ") + e.what());
  }
}

}  // namespace tierd
