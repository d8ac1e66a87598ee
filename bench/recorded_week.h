// The simulate bench's recorded week and its tier policy, shared by
// simulate_bench and report_bench. The week is a JSONL file of Zendesk event deliveries, five per
// ticket (created, pending, open again, tags changed, solved), the tickets starting anywhere in the
// week of 2025-03-10 and their events minutes apart. Lines are written ticket by ticket, so a
// replay has to sort them. The same seed gives the same file.
#pragma once

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/policy.h"
#include "core/time.h"

namespace tierd::bench {

inline nlohmann::json week_delivery(const std::string& type, int64_t ticket, int64_t seq,
                                    Instant time, const char* status, int64_t actor,
                                    std::vector<std::string> tags) {
  std::string when = format_instant(time);
  return {{"type", "zen:event-type:ticket." + type},
          {"account_id", 12514403},
          {"id", "bench-" + std::to_string(seq)},
          {"time", when},
          {"zendesk_event_version", "2022-11-06"},
          {"subject", "zen:ticket:" + std::to_string(ticket)},
          {"detail",
           {{"actor_id", std::to_string(actor)},
            {"assignee_id", "500120"},
            {"created_at", when},
            {"group_id", "114001"},
            {"id", std::to_string(ticket)},
            {"priority", "NORMAL"},
            {"status", status},
            {"subject", "Bench ticket"},
            {"tags", tags},
            {"updated_at", when},
            {"via", {{"channel", "web_form"}}}}},
          {"event", nlohmann::json::object()}};
}

// tier1 (group 114001, 15 minutes), tier2 (114002, 30 minutes), tier3 (114003).
inline Policy week_policy() {
  using namespace std::chrono_literals;
  Policy p;
  for (int i = 1; i <= 3; ++i) {
    TierPolicy t;
    t.name = "tier" + std::to_string(i);
    t.groups = {114000 + i};
    if (i == 1) t.budget = 15min;
    if (i == 2) t.budget = 30min;
    p.tiers.push_back(t);
  }
  return p;
}

inline Instant recorded_week_start() {
  return *parse_instant("2025-03-10T00:00:00Z");
}

// Writes at least `events` deliveries (whole tickets) to `path`.
inline void write_recorded_week(const std::string& path, long events) {
  std::mt19937 rng(7);
  const Instant week = recorded_week_start();
  std::ofstream out(path);
  int64_t seq = 0;
  for (int64_t ticket = 1; seq < events; ++ticket) {
    Instant t = week + std::chrono::minutes(rng() % (7 * 24 * 60));
    out << week_delivery("created", ticket, ++seq, t, "NEW", 902001, {"billing"}).dump() << "\n";
    t += std::chrono::minutes(rng() % 20);
    out << week_delivery("status_changed", ticket, ++seq, t, "PENDING", 500120, {"billing"}).dump()
        << "\n";
    t += std::chrono::minutes(rng() % 60);
    out << week_delivery("status_changed", ticket, ++seq, t, "OPEN", 902001, {"billing"}).dump()
        << "\n";
    t += std::chrono::minutes(rng() % 30);
    out << week_delivery("tags_changed", ticket, ++seq, t, "OPEN", 500120, {"billing", "vip"})
               .dump()
        << "\n";
    t += std::chrono::minutes(rng() % 90);
    out << week_delivery("status_changed", ticket, ++seq, t, "SOLVED", 500120, {"billing", "vip"})
               .dump()
        << "\n";
  }
}

}  // namespace tierd::bench
