// The two outputs of a TierReport (report.h), as `tierd report` and
// `tierd simulate` print them: its JSON (which the CSV export also reads)
// and its text tables. Formatting only; report.cpp derives the numbers.
#include "reports/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

namespace tierd {

using nlohmann::json;

namespace {

json percentiles_json(const Percentiles& p) {
  json j{{"count", p.count}, {"p50_ms", nullptr}, {"p90_ms", nullptr}};
  if (p.p50) j["p50_ms"] = p.p50->count();
  if (p.p90) j["p90_ms"] = p.p90->count();
  return j;
}

json name_or_null(const std::string& name) {
  return name.empty() ? json(nullptr) : json(name);
}

// "Dana Reyes (500120)", or the id alone when the name is not known.
std::string who(UserId id, const std::string& name) {
  return name.empty() ? std::to_string(id) : name + " (" + std::to_string(id) + ")";
}

double rounded(double share) {
  return std::round(share * 10000.0) / 10000.0;
}

json causes_json(const CauseCounts& c) {
  return {{"timer", c.timer},
          {"manual_tag", c.manual_tag},
          {"review_budget", c.review_budget},
          {"agent_move", c.agent_move}};
}

// The flow counters, added to a tier's or a route's object.
void add_flow_json(json& line, const FlowCounts& f) {
  line["escalated_by"] = causes_json(f.escalated_by);
  line["solves"] = f.solves;
  line["reopened"] = f.reopened;
  line["reopen_rate"] = rounded(f.reopen_rate);
  line["bounced_back"] = f.bounced_back;
}

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", share * 100.0);
  return buf;
}

std::string p50_p90(const Percentiles& p) {
  if (!p.p50 || !p.p90) return "-";
  return format_duration(*p.p50) + " / " + format_duration(*p.p90);
}

// A text table: the first column left-aligned, the others right-aligned.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return;
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) {
      std::string pad(width[c] - row[c].size(), ' ');
      if (c == 0) {
        line += row[c] + pad;
      } else {
        line += "  " + pad + row[c];
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << "  " << line << "\n";
  }
}

}  // namespace

void attach_names(TierReport& report, const std::map<UserId, std::string>& names) {
  const auto name_of = [&names](UserId id) {
    auto it = names.find(id);
    return it == names.end() ? std::string() : it->second;
  };
  for (auto& a : report.agents) a.name = name_of(a.id);
  for (auto& r : report.reviewers) r.name = name_of(r.id);
}

json to_json(const TierReport& report) {
  json tiers = json::array();
  for (const auto& t : report.tiers) {
    tiers.push_back({{"name", t.name},
                     {"entered", t.entered},
                     {"solved_in_tier", t.solved_in_tier},
                     {"escalated_out", t.escalated_out},
                     {"share", rounded(t.share)},
                     {"solved_share", rounded(t.solved_share)},
                     {"time_in_tier", percentiles_json(t.time_in_tier)},
                     {"handling_time", percentiles_json(t.handling_time)},
                     {"time_to_solve", percentiles_json(t.time_to_solve)}});
    add_flow_json(tiers.back(), t.flow);
  }
  json routes = json::array();
  for (const auto& rt : report.routes) {
    routes.push_back({{"name", rt.name}, {"forwarded", rt.forwarded}, {"misroutes", rt.misroutes}});
    add_flow_json(routes.back(), rt.flow);
  }
  json agents = json::array();
  for (const auto& a : report.agents) {
    agents.push_back({{"id", a.id},
                      {"name", name_or_null(a.name)},
                      {"solved", a.solved},
                      {"assisted", a.assisted},
                      {"reviewed", a.reviewed},
                      {"forwarded", a.forwarded},
                      {"received_forwards", a.received_forwards},
                      {"followed_solves", a.followed_solves}});
  }
  json reviewers = json::array();
  for (const auto& r : report.reviewers) {
    reviewers.push_back({{"id", r.id},
                         {"name", name_or_null(r.name)},
                         {"forwarded", r.forwarded},
                         {"misroutes", r.misroutes},
                         {"time_to_forward", percentiles_json(r.time_to_forward)}});
  }
  json benchmark = json::object();
  if (!report.tiers.empty()) {
    benchmark["solved_at_first_tier"] = {{"tier", report.tiers[0].name},
                                         {"actual", rounded(report.tiers[0].solved_share)},
                                         {"expected", kBenchmarkSolvedAtFirstTier}};
  }
  if (report.tiers.size() >= 3) {
    benchmark["reaching_third_tier"] = {{"tier", report.tiers[2].name},
                                        {"actual", rounded(report.tiers[2].share)},
                                        {"expected_min", kBenchmarkReachThirdTierMin},
                                        {"expected_max", kBenchmarkReachThirdTierMax}};
  }
  const ReviewSummary& rv = report.review;
  return {{"since", format_instant(report.since)},
          {"now", format_instant(report.now)},
          {"tickets", report.tickets},
          {"solved", report.solved},
          {"unassigned_solves", report.unassigned_solves},
          {"tiers", std::move(tiers)},
          {"routes", std::move(routes)},
          {"agents", std::move(agents)},
          {"reviewers", std::move(reviewers)},
          {"review",
           {{"entered", rv.entered},
            {"forwarded_by_reviewer", rv.forwarded_by_reviewer},
            {"forwarded_by_rule", rv.forwarded_by_rule},
            {"unknown_route", rv.unknown_route},
            {"escalated", rv.escalated},
            {"unassigned", rv.unassigned},
            {"misroutes", rv.misroutes}}},
          {"benchmark", std::move(benchmark)}};
}

void print_report(const TierReport& report, std::ostream& out) {
  out << "Tiers, " << format_instant(report.since) << " .. " << format_instant(report.now) << ": "
      << report.tickets << " tickets, " << report.solved << " solved";
  if (report.unassigned_solves > 0) out << " (" << report.unassigned_solves << " unassigned)";
  out << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"tier", "entered", "share", "solved here", "solved share", "escalated out",
       "time in tier p50/p90", "time to solve p50/p90", "benchmark"}};
  for (size_t i = 0; i < report.tiers.size(); ++i) {
    const TierLine& t = report.tiers[i];
    std::string benchmark;
    if (i == 0) benchmark = "~80% solved here";
    if (i == 2) benchmark = "5-10% reach it";
    rows.push_back({t.name, std::to_string(t.entered), percent(t.share),
                    std::to_string(t.solved_in_tier), percent(t.solved_share),
                    std::to_string(t.escalated_out), p50_p90(t.time_in_tier),
                    p50_p90(t.time_to_solve), benchmark});
  }
  print_table(out, rows);

  out << "\nEscalations by cause, bounce-backs and reopens\n";
  std::vector<std::vector<std::string>> cause_rows = {
      {"from", "timer", "manual tag", "review budget", "agent move", "bounced back", "reopened"}};
  auto cause_row = [&](const std::string& name, const FlowCounts& f) {
    const CauseCounts& c = f.escalated_by;
    cause_rows.push_back({name, std::to_string(c.timer), std::to_string(c.manual_tag),
                          std::to_string(c.review_budget), std::to_string(c.agent_move),
                          std::to_string(f.bounced_back),
                          std::to_string(f.reopened) + " of " + std::to_string(f.solves) + " (" +
                              percent(f.reopen_rate) + ")"});
  };
  for (const auto& t : report.tiers) cause_row(t.name, t.flow);
  if (report.review.entered > 0 || report.review.escalated > 0) {
    FlowCounts review;
    review.escalated_by.review_budget = report.review.escalated;
    cause_row("review", review);
  }
  for (const auto& rt : report.routes) cause_row("route " + rt.name, rt.flow);
  print_table(out, cause_rows);

  if (!report.routes.empty()) {
    out << "\nRoutes\n";
    std::vector<std::vector<std::string>> route_rows = {{"route", "forwarded", "misroutes"}};
    for (const auto& rt : report.routes) {
      route_rows.push_back({rt.name, std::to_string(rt.forwarded), std::to_string(rt.misroutes)});
    }
    print_table(out, route_rows);
  }

  if (!report.agents.empty()) {
    out << "\nAgents\n";
    std::vector<std::vector<std::string>> agent_rows = {{"agent", "solved", "assisted", "reviewed",
                                                         "forwarded", "got forwards",
                                                         "solves as follower"}};
    for (const auto& a : report.agents) {
      agent_rows.push_back({who(a.id, a.name), std::to_string(a.solved), std::to_string(a.assisted),
                            std::to_string(a.reviewed), std::to_string(a.forwarded),
                            std::to_string(a.received_forwards),
                            std::to_string(a.followed_solves)});
    }
    print_table(out, agent_rows);
  }

  const ReviewSummary& rv = report.review;
  if (!report.reviewers.empty() || rv.entered > 0 || rv.forwarded_by_rule > 0) {
    out << "\nReview: " << rv.entered << " entered, " << rv.forwarded_by_reviewer
        << " forwarded by reviewers, " << rv.forwarded_by_rule << " by rules, " << rv.unknown_route
        << " unknown routes, " << rv.escalated << " escalated to the lead, " << rv.unassigned
        << " left unassigned, " << rv.misroutes << " misrouted\n";
    std::vector<std::vector<std::string>> reviewer_rows = {
        {"reviewer", "forwarded", "misroutes", "time to forward p50/p90"}};
    for (const auto& r : report.reviewers) {
      reviewer_rows.push_back({who(r.id, r.name), std::to_string(r.forwarded),
                               std::to_string(r.misroutes), p50_p90(r.time_to_forward)});
    }
    if (reviewer_rows.size() > 1) print_table(out, reviewer_rows);
  }
}

}  // namespace tierd
