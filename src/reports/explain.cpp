#include "reports/explain.h"

#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "config/config.h"

namespace tierd {
namespace {

std::string ms(const nlohmann::json& d, const char* key) {
  return d.contains(key) ? format_duration(Duration(d[key].get<int64_t>())) : "?";
}

// An id field as text: "-" when absent or null.
std::string id_text(const nlohmann::json& d, const char* key) {
  auto it = d.find(key);
  if (it == d.end() || it->is_null()) return "-";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// One readable line for an audit record.
std::string describe(const AuditRecord& r, const nlohmann::json& d) {
  const std::string& k = r.kind;
  if (k == "event") {
    std::string s = "received " + d.value("type", "event");
    if (d.contains("status")) s += " (status " + d["status"].get<std::string>();
    if (d.contains("group")) s += ", group " + std::to_string(d["group"].get<int64_t>());
    if (d.contains("status")) s += ")";
    return s;
  }
  if (k == "tier_entered")
    return "entered " + d.value("tier", "?") + " (" + d.value("how", "?") + ")";
  if (k == "tier_left")
    return "left " + d.value("tier", "?") + " after " + ms(d, "used_ms") + " of handling time";
  if (k == "clock_running")
    return "clock running in " + d.value("tier", "?") + " (" + ms(d, "used_ms") + " used so far)";
  if (k == "clock_paused")
    return "clock paused in " + d.value("tier", "?") + ": status " + d.value("status", "?") + ", " +
           ms(d, "used_ms") + " used";
  if (k == "at_risk")
    return "at risk: " + ms(d, "used_ms") + " of " + ms(d, "budget_ms") + " used in " +
           d.value("tier", "?");
  if (k == "escalate" || k == "deescalate") {
    std::string why = d.value("reason", "") == "budget"
                          ? "budget " + ms(d, "budget_ms") + " used up (" + ms(d, "used_ms") +
                                ", policy " + d.value("policy", "?") + ")"
                          : "an agent added the tag " + d.value("tag", "?");
    return (k == "escalate" ? "escalate " : "move back ") + d.value("from", "?") + " -> " +
           d.value("to", "?") + ": " + why;
  }
  if (k == "write_confirmed") return "write confirmed by the helpdesk: " + d.value("detail", "");
  if (k == "write_conflict")
    return "write refused (ticket changed meanwhile), deciding again: " + d.value("detail", "");
  if (k == "write_dead") return "write dead-lettered: " + d.value("detail", "");
  if (k == "stale_ignored")
    return "ignored an out-of-date event (updated " + d.value("updated_at", "?") + ")";
  if (k == "retag") return "fixing tier tags after a move by hand";
  if (k == "refused") return "did not act on " + d.value("tag", "?") + ": " + d.value("reason", "");
  if (k == "shadow_write") return "shadow mode: would write " + d.value("kind", "?");
  if (k == "go_live") {
    if (!d.value("due", false))
      return "live after shadow mode: nothing due (" + d.value("reason", "") + ")";
    std::string text = "live after shadow mode: writing what is still due of " +
                       std::to_string(d.value("shadow_writes", 0)) + " shadow decisions";
    if (d.contains("to")) text += ", moving the ticket to " + d.value("to", "?");
    return text;
  }
  if (k == "go_live_rebased")
    return "live after shadow mode: the ticket changed meanwhile, trying again";
  if (k == "tags_overwritten" || k == "tags_restored") {
    std::string tags;
    for (const auto& t : d.value("tags", nlohmann::json::array())) {
      tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
    }
    return k == "tags_overwritten"
               ? "tierd's previous update overwrote an agent's tags (same second): " + tags
               : "putting back the overwritten tags: " + tags;
  }
  if (k == "shadow_backlog_dropped") return "shadow decisions dropped: " + d.value("reason", "");
  if (k == "review_entered") {
    std::string text = "entered the review queue (group " + id_text(d, "group") + ")";
    if (d.contains("suggested_route"))
      text += "; the rule " + d.value("rule", "?") + " suggests the route " +
              d.value("suggested_route", "?");
    return text;
  }
  if (k == "review_clock_running")
    return "review clock running (" + ms(d, "used_ms") + " used so far)";
  if (k == "review_clock_paused")
    return "review clock paused: status " + d.value("status", "?") + ", " + ms(d, "used_ms") +
           " used";
  if (k == "reviewer_assigned") return "reviewer user " + id_text(d, "reviewer_id") + " assigned";
  if (k == "reviewer_unassigned") return "no reviewer assigned: " + d.value("reason", "");
  if (k == "review_escalated")
    return "review budget " + ms(d, "budget_ms") + " used up: moving to the lead group " +
           id_text(d, "lead_group");
  if (k == "review_left")
    return "left the review queue after " + ms(d, "used_ms") + " of review time, to group " +
           id_text(d, "to_group");
  if (k == "forwarded") {
    std::string by = d.value("by", "") == "rule" ? "the rule " + d.value("rule", "?")
                                                 : "reviewer user " + id_text(d, "reviewer_id");
    std::string who = d.contains("assignee_id") && !d["assignee_id"].is_null()
                          ? ", assigned to user " + id_text(d, "assignee_id")
                          : ", unassigned";
    return "forwarded to the route " + d.value("route", "?") + " (group " + id_text(d, "to_group") +
           ") by " + by + who;
  }
  if (k == "forward_unknown_route")
    return "did not forward: no route named " + d.value("route", "?");
  if (k == "unassigned")
    return "nobody assigned on the route " + d.value("route", "?") + ": " + d.value("reason", "");
  if (k == "group_moved") {
    std::string text = "moved by hand from group " + id_text(d, "from_group") + " to group " +
                       id_text(d, "to_group");
    if (d.contains("actor")) text += " by user " + id_text(d, "actor");
    return text;
  }
  return k + " " + d.dump();
}

// The helpdesk echoes each of tierd's writes as a few webhooks (the group,
// the tags, the note), which the mirror, already holding the write's result,
// ignores as out of date. Each such echo is one fact for the reader, so the
// text timeline prints it once, as one line per write, instead of a
// "received" and an "ignored" line per webhook.
//
// An ignored event is an echo of tierd's write when it is stamped in the same
// second as the mirror (decide() ignores only tierd's own echoes there;
// anyone else's change in that second is applied), or when it comes from the
// user whose same-second echoes showed to be tierd's.
class EchoFolding {
 public:
  explicit EchoFolding(const std::vector<AuditRecord>& records) {
    std::map<std::string, std::vector<const AuditRecord*>> by_event;
    for (const auto& r : records) {
      if (!r.event_id.empty()) by_event[r.event_id].push_back(&r);
    }
    std::set<int64_t> tierd_actors;
    std::vector<Candidate> candidates;
    for (const auto& [event_id, rs] : by_event) {
      if (rs.size() != 2 || rs[0]->kind != "event" || rs[1]->kind != "stale_ignored") continue;
      Candidate c{event_id, parse(*rs[0]), parse(*rs[1])};
      if (c.same_second()) {
        if (auto actor = c.actor()) tierd_actors.insert(*actor);
      }
      candidates.push_back(std::move(c));
    }
    for (const auto& c : candidates) {
      auto actor = c.actor();
      if (!c.same_second() && !(actor && tierd_actors.count(*actor))) continue;
      const std::string write = c.ignored.value("updated_at", "");
      echo_write_[c.event_id] = write;
      types_[write].push_back(short_type(c.event.value("type", "event")));
    }
  }

  // True when `r` belongs to an echo of tierd's write; `line` is then the
  // echo's one line for the first of its records, and empty for the others.
  bool fold(const AuditRecord& r, std::string& line) {
    auto it = echo_write_.find(r.event_id);
    if (it == echo_write_.end()) return false;
    line.clear();
    if (printed_.insert(it->second).second) {
      line = "echo of tierd's write (updated " + it->second + "), ignored:";
      const auto& types = types_[it->second];
      for (size_t i = 0; i < types.size(); ++i) line += (i == 0 ? " " : ", ") + types[i];
    }
    return true;
  }

 private:
  struct Candidate {
    std::string event_id;
    nlohmann::json event;    // the "event" record's detail
    nlohmann::json ignored;  // the "stale_ignored" record's detail
    bool same_second() const {
      return ignored.contains("updated_at") &&
             ignored.value("updated_at", "") == ignored.value("known_updated_at", "");
    }
    std::optional<int64_t> actor() const {
      if (!event.contains("actor") || !event["actor"].is_number_integer()) return std::nullopt;
      return event["actor"].get<int64_t>();
    }
  };

  static nlohmann::json parse(const AuditRecord& r) {
    auto d = nlohmann::json::parse(r.detail_json, nullptr, false);
    return d.is_object() ? d : nlohmann::json::object();
  }
  // "zen:event-type:ticket.tags_changed" -> "ticket.tags_changed"
  static std::string short_type(const std::string& type) {
    auto colon = type.rfind(':');
    return colon == std::string::npos ? type : type.substr(colon + 1);
  }

  std::map<std::string, std::string> echo_write_;          // event id -> the write's updated_at
  std::map<std::string, std::vector<std::string>> types_;  // updated_at -> event types
  std::set<std::string> printed_;
};

}  // namespace

int print_explanation(Store& store, TicketId ticket, bool json, std::ostream& out,
                      std::ostream& err) {
  auto records = store.audit_for_ticket(ticket);
  if (!records.ok()) {
    err << "explain: " << records.status().to_string() << "\n";
    return 1;
  }
  if (records->empty()) {
    err << "explain: tierd has no record of ticket " << ticket << "\n";
    return 3;
  }
  if (json) {
    nlohmann::json timeline = nlohmann::json::array();
    for (const auto& r : *records) {
      auto d = nlohmann::json::parse(r.detail_json, nullptr, false);
      timeline.push_back({{"at", format_instant(r.at)},
                          {"kind", r.kind},
                          {"event_id", r.event_id},
                          {"detail", d}});
    }
    out << nlohmann::json{{"ticket", ticket}, {"timeline", timeline}}.dump(2) << "\n";
    return 0;
  }
  out << "Ticket " << ticket << "\n";
  EchoFolding echoes(*records);
  for (const auto& r : *records) {
    if (std::string echo; echoes.fold(r, echo)) {
      if (!echo.empty()) out << "  " << format_instant(r.at) << "  " << echo << "\n";
      continue;
    }
    auto d = nlohmann::json::parse(r.detail_json, nullptr, false);
    if (d.is_discarded()) d = nlohmann::json::object();
    out << "  " << format_instant(r.at) << "  " << describe(r, d) << "\n";
  }
  return 0;
}

void print_timeline(TicketId ticket, const std::vector<AuditRecord>& records,
                    const LocalTime& local, std::ostream& out) {
  size_t lines = 0;
  out << "Ticket " << ticket << ", times in " << local.zone() << "\n";
  for (const auto& r : records) {
    if (r.ticket_id != ticket) continue;
    auto d = nlohmann::json::parse(r.detail_json, nullptr, false);
    if (d.is_discarded()) d = nlohmann::json::object();
    out << "  " << local.format(r.at) << "  " << describe(r, d) << "\n";
    ++lines;
  }
  if (lines == 0) out << "  (no event of this ticket was replayed)\n";
}

}  // namespace tierd
