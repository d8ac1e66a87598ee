#include "http/admin_status.h"

#include <algorithm>
#include <set>

#include "core/ticket_state.h"
#include "reports/report.h"

namespace tierd {
namespace {

using nlohmann::json;

// The most dead letters counted; the page says "at least" past it.
constexpr size_t kDeadLettersCounted = 1000;

int64_t ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// A user as the status shows one: the id, and the name when known.
json user_json(UserId id, const DaemonView& daemon, std::set<UserId>& shown) {
  shown.insert(id);
  json out = {{"id", id}};
  auto it = daemon.names.find(id);
  out["name"] = it != daemon.names.end() ? json(it->second) : json(nullptr);
  return out;
}

json optional_user(const std::optional<UserId>& id, const DaemonView& daemon,
                   std::set<UserId>& shown) {
  return id && *id > 0 ? user_json(*id, daemon, shown) : json(nullptr);
}

json causes_json(const CauseCounts& c) {
  return {{"timer", c.timer},
          {"manual_tag", c.manual_tag},
          {"review_budget", c.review_budget},
          {"agent_move", c.agent_move}};
}

json flow_json(const FlowCounts& f) {
  return {{"escalated_by", causes_json(f.escalated_by)},
          {"solves", f.solves},
          {"reopened", f.reopened},
          {"reopen_rate", f.reopen_rate},
          {"bounced_back", f.bounced_back}};
}

// The loops, the helpdesk and the dead letters; `problems` lists what needs
// an admin's eye, in words.
json health_json(const DaemonView& daemon, Store& store, Instant now,
                 const AdminStatusOptions& options) {
  json problems = json::array();
  json loops = json::array();
  for (const auto& loop : daemon.loops) {
    const auto& l = loop.liveness;
    const int64_t for_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(l.in_state).count();
    const bool stuck = l.running && !l.waiting && for_ms > ms(options.stuck_after);
    loops.push_back({{"name", loop.name},
                     {"running", l.running},
                     {"state", !l.running  ? "stopped"
                               : l.waiting ? "waiting"
                                           : "working"},
                     {"for_ms", for_ms},
                     {"stuck", stuck}});
    if (!l.running) problems.push_back("the " + loop.name + " loop has stopped");
    if (stuck)
      problems.push_back("the " + loop.name + " loop has been working for " +
                         format_duration(Duration(for_ms)) + " without a pause");
  }

  json helpdesk = {{"known", false}};
  const HelpdeskAnswer* latest = nullptr;
  for (const auto& answer : daemon.helpdesk_answers) {
    if (latest == nullptr || answer.at > latest->at) latest = &answer;
  }
  if (latest != nullptr) {
    helpdesk = {{"known", true},
                {"reachable", latest->ok},
                {"last_answer", format_instant(latest->at)},
                {"last_answer_age_ms", ms(now - latest->at)}};
    if (!latest->ok) {
      helpdesk["error"] = latest->error;
      problems.push_back("the helpdesk's latest answer was a failure: " + latest->error);
    }
  }
  helpdesk["auth_failed"] = daemon.helpdesk_auth_failed;
  if (daemon.helpdesk_auth_failed) {
    problems.push_back("the helpdesk refuses tierd's credentials; writing is paused");
  }

  json dead = {{"count", nullptr}};
  auto dead_letters = store.dead_outbox(kDeadLettersCounted);
  if (dead_letters.ok()) {
    dead["count"] = dead_letters->size();
    dead["at_least"] = dead_letters->size() >= kDeadLettersCounted;
    if (!dead_letters->empty()) {
      dead["newest_ticket"] = dead_letters->front().ticket_id;
      dead["newest_error"] = dead_letters->front().last_error;
      problems.push_back(std::to_string(dead_letters->size()) +
                         " writes were refused for good (dead letters)");
    }
  }

  return {{"store_readable", true},          {"loops", std::move(loops)},
          {"helpdesk", std::move(helpdesk)}, {"dead_letters", std::move(dead)},
          {"ok", problems.empty()},          {"problems", std::move(problems)}};
}

}  // namespace

std::string ticket_link(const std::string& helpdesk_url, TicketId id) {
  const bool web = helpdesk_url.rfind("https://", 0) == 0 || helpdesk_url.rfind("http://", 0) == 0;
  if (!web) return "";
  std::string base = helpdesk_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/agent/tickets/" + std::to_string(id);
}

Result<AdminStatus> admin_status(Store& store, const Policy& policy, Instant now,
                                 const AdminStatusOptions& options, const DaemonView& daemon) {
  std::set<UserId> shown;
  const auto ticket_json = [&](TicketId id) {
    json t = {{"id", id}};
    const std::string url = ticket_link(options.helpdesk_url, id);
    t["url"] = url.empty() ? json(nullptr) : json(url);
    return t;
  };

  const size_t tiers = policy.tiers.size();
  std::vector<int64_t> queue(tiers, 0), at_risk(tiers, 0), running(tiers, 0);
  struct Open {
    int tier = -1;
    std::optional<UserId> assignee;
  };
  std::map<TicketId, Open> open;
  struct InReview {
    TicketId id = 0;
    Instant since{};
    std::optional<UserId> reviewer;
  };
  std::vector<InReview> review;
  int64_t unreadable = 0;
  Status scan = store.for_each_ticket([&](const TicketRow& row) {
    json doc = json::parse(row.state_json, nullptr, false);
    auto state = doc.is_discarded() ? Result<TicketState>(Status::InvalidArgument("not JSON"))
                                    : ticket_state_from_json(doc);
    if (!state.ok()) {
      ++unreadable;
      return;
    }
    const TicketStatus status = state->ticket.status;
    if (state->deleted || status == TicketStatus::kSolved || status == TicketStatus::kClosed) {
      return;
    }
    if (state->review.active) {
      review.push_back({row.id, state->review.entered_at, state->ticket.assignee_id});
    }
    const int tier = state->stay.tier;
    if (tier < 0 || static_cast<size_t>(tier) >= tiers) return;
    open[row.id] = {tier, state->ticket.assignee_id};
    ++queue[static_cast<size_t>(tier)];
    if (state->stay.at_risk) ++at_risk[static_cast<size_t>(tier)];
    if (state->stay.running_since) ++running[static_cast<size_t>(tier)];
  });
  if (!scan.ok()) return scan;

  json expiring = json::array();
  Status deadlines = store.for_each_deadline([&](TicketId id, Instant due) {
    if (expiring.size() >= options.expiring_limit) return;
    auto it = open.find(id);
    if (it == open.end()) return;
    json e = ticket_json(id);
    e["ticket"] = id;
    e["tier"] = policy.tiers[static_cast<size_t>(it->second.tier)].name;
    e["assignee"] = optional_user(it->second.assignee, daemon, shown);
    e["deadline"] = format_instant(due);
    e["in_ms"] = ms(due - now);
    expiring.push_back(std::move(e));
  });
  if (!deadlines.ok()) return deadlines;

  auto report = build_report(store, policy, now - options.funnel_window, now);
  if (!report.ok()) return report.status();

  json out;
  out["now"] = format_instant(now);
  out["mode"] = policy.shadow ? "shadow" : "live";
  out["version"] = options.version;
  out["helpdesk_url"] = options.helpdesk_url;
  out["health"] = health_json(daemon, store, now, options);

  std::sort(review.begin(), review.end(),
            [](const InReview& a, const InReview& b) { return a.since < b.since; });
  json review_json = {{"waiting", review.size()}};
  review_json["oldest_since"] =
      review.empty() ? json(nullptr) : json(format_instant(review[0].since));
  review_json["oldest_wait_ms"] = review.empty() ? json(nullptr) : json(ms(now - review[0].since));
  review_json["tickets"] = json::array();
  for (size_t i = 0; i < review.size() && i < options.review_limit; ++i) {
    json t = ticket_json(review[i].id);
    t["since"] = format_instant(review[i].since);
    t["wait_ms"] = ms(now - review[i].since);
    t["reviewer"] = optional_user(review[i].reviewer, daemon, shown);
    review_json["tickets"].push_back(std::move(t));
  }
  out["review"] = std::move(review_json);

  out["tiers"] = json::array();
  for (size_t i = 0; i < tiers; ++i) {
    out["tiers"].push_back({{"name", policy.tiers[i].name},
                            {"queue", queue[i]},
                            {"at_risk", at_risk[i]},
                            {"running_clocks", running[i]}});
  }
  out["expiring"] = std::move(expiring);

  auto outbox = store.outbox_depth();
  auto oldest = store.oldest_pending_outbox();
  auto inbox = store.inbox_depth();
  out["outbox_depth"] = outbox.ok() ? json(*outbox) : json(nullptr);
  const bool has_oldest = oldest.ok() && oldest->has_value();
  out["outbox_oldest"] = has_oldest ? json(format_instant(**oldest)) : json(nullptr);
  out["outbox_oldest_age_ms"] = has_oldest ? json(ms(now - **oldest)) : json(nullptr);
  out["inbox_depth"] = inbox.ok() ? json(*inbox) : json(nullptr);
  out["unreadable_tickets"] = unreadable;

  out["funnel_window"] = format_duration(options.funnel_window);
  out["tickets"] = report->tickets;
  out["funnel"] = json::array();
  for (const auto& line : report->tiers) {
    out["funnel"].push_back({{"name", line.name},
                             {"entered", line.entered},
                             {"solved_in_tier", line.solved_in_tier},
                             {"escalated_out", line.escalated_out},
                             {"flow", flow_json(line.flow)}});
  }
  out["routes"] = json::array();
  for (const auto& route : report->routes) {
    out["routes"].push_back({{"name", route.name},
                             {"forwarded", route.forwarded},
                             {"misroutes", route.misroutes},
                             {"flow", flow_json(route.flow)}});
  }
  out["agents"] = json::array();
  for (const auto& agent : report->agents) {
    json a = user_json(agent.id, daemon, shown);
    a["solved"] = agent.solved;
    a["assisted"] = agent.assisted;
    a["reviewed"] = agent.reviewed;
    a["forwarded"] = agent.forwarded;
    out["agents"].push_back(std::move(a));
  }
  out["unassigned_solves"] = report->unassigned_solves;

  return AdminStatus{std::move(out), std::vector<UserId>(shown.begin(), shown.end())};
}

}  // namespace tierd
