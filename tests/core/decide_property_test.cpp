// Randomised sequences of events, ticks and write outcomes on a virtual clock,
// checked against invariants that must hold whatever the order:
//  - never early: a budget escalation happens only once the budget is used;
//  - never late: after any decision, a running clock is not past its budget
//    without an escalation under way;
//  - at most one escalation per tier stay, unless the vendor refused the
//    earlier one (a conflict, after which decide chooses again);
//  - paused time is never counted: the clock equals an independent
//    integration of the time the ticket spent in a counting status.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "core/decide_fixtures.h"

using namespace tierd;
using namespace tierd::test;

namespace {

struct Segment {
  Instant from;
  bool counting;
};

// The time, from `since` to `until`, during which `timeline` says the clock counted.
Duration integrate(const std::vector<Segment>& timeline, Instant since, Instant until) {
  Duration total{0};
  for (size_t i = 0; i < timeline.size(); ++i) {
    Instant a = std::max(timeline[i].from, since);
    Instant b = i + 1 < timeline.size() ? timeline[i + 1].from : until;
    b = std::min(b, until);
    if (timeline[i].counting && b > a) total += b - a;
  }
  return total;
}

bool counting(const TicketState& s, const Policy& p) {
  if (s.stay.tier < 0 || !s.known || s.deleted) return false;
  const auto& tier = p.tiers[static_cast<size_t>(s.stay.tier)];
  if (!tier.budget_for(s.ticket.priority)) return false;
  if (s.has_pending("escalate") || s.has_pending("deescalate")) return false;
  return tier.clock_runs_in(s.ticket.status);
}

}  // namespace

TEST_CASE("random sequences keep the clock invariants", "[decide][property]") {
  const uint32_t base_seed = 20261125;
  for (uint32_t run = 0; run < 300; ++run) {
    uint32_t seed = base_seed + run;
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    Driver d;
    Instant now = kT0;
    TicketSnapshot vendor = ticket(101, TicketStatus::kNew, now, 500120);
    std::vector<Segment> timeline;
    std::vector<TicketWrite> in_flight;
    Instant last_entered{};
    // Live (not refused) escalations asked for in each stay, by stay start.
    std::map<int64_t, int> escalations_in_stay;
    std::map<std::string, int64_t> stay_of_write;

    auto after_step = [&](const Decision& dec) {
      for (const auto& key : dec.cancelled_writes) {
        auto it = stay_of_write.find(key);
        if (it != stay_of_write.end()) --escalations_in_stay[it->second];
      }
      if (std::getenv("DECIDE_TRACE")) {
        std::cerr << seed << " t=" << format_instant(now) << " tier=" << d.state.stay.tier
                  << " entered=" << format_instant(d.state.stay.entered_at) << " by=" << d.state.stay.entered_by
                  << " status=" << ticket_status_name(d.state.ticket.status) << " group=" << d.state.ticket.group_id.value_or(0)
                  << " pending=" << d.state.pending.size() << " : " << dec.summary() << "\n";
      }
      for (const auto& w : dec.writes) {
        if (w.kind == "escalate") {
          // A move is decided in the stay the ticket is in after folding the input.
          int64_t stay = to_unix_ms(d.state.stay.entered_at);
          stay_of_write[w.idempotency_key] = stay;
          CHECK(++escalations_in_stay[stay] == 1);
        }
        in_flight.push_back(w);
      }
      for (const auto& note : dec.audit) {
        if (note.kind == "escalate" && note.detail.value("reason", "") == "budget") {
          CHECK(note.detail["used_ms"].get<int64_t>() >= note.detail["budget_ms"].get<int64_t>());
        }
      }
      const TicketState& s = d.state;
      if (s.stay.entered_at != last_entered) {
        timeline.clear();  // a new stay: its clock starts from zero
        last_entered = s.stay.entered_at;
      }
      timeline.push_back({now, counting(s, d.policy)});
      CHECK(handling_time(s, now, d.policy) == integrate(timeline, s.stay.entered_at, now));
      if (s.stay.running_since && s.stay.tier >= 0 && s.stay.tier + 1 < 3 && !s.stay.escalation_blocked) {
        auto budget = d.policy.tiers[static_cast<size_t>(s.stay.tier)].budget_for(s.ticket.priority);
        if (budget) CHECK(handling_time(s, now, d.policy) < *budget);
      }
      if (dec.next_deadline) CHECK(*dec.next_deadline >= now);
    };

    after_step(d.on(event(EventKind::kCreated, vendor, now), now));
    for (int step = 0; step < 60; ++step) {
      int choice = pick(10);
      auto next = d.history.back().next_deadline;
      if (choice <= 2 && next) {
        now = *next;  // the timer fires exactly on time
        after_step(d.tick(now));
        continue;
      }
      now += Duration(std::uniform_int_distribution<int64_t>(0, 8 * 60'000)(rng));
      vendor.updated_at = now;
      switch (choice) {
        case 3: {
          const TicketStatus statuses[] = {TicketStatus::kNew, TicketStatus::kOpen, TicketStatus::kPending,
                                           TicketStatus::kHold, TicketStatus::kSolved};
          vendor.status = statuses[pick(5)];
          after_step(d.on(event(EventKind::kStatusChanged, vendor, now), now));
          break;
        }
        case 4: {
          const GroupId groups[] = {101, 102, 103, 555};
          vendor.group_id = groups[pick(4)];
          after_step(d.on(event(EventKind::kGroupChanged, vendor, now, 500121), now));
          break;
        }
        case 5:
        case 6: {
          if (in_flight.empty()) {
            after_step(d.tick(now));
            break;
          }
          std::vector<std::string> keys;
          for (const auto& w : in_flight) {
            vendor = after_write(vendor, w, now);
            keys.push_back(w.idempotency_key);
          }
          in_flight.clear();
          after_step(d.feed(Input::WriteOutcome(InputKind::kWriteConfirmed, keys, vendor, "200"), now));
          break;
        }
        case 7: {
          if (in_flight.empty()) {
            after_step(d.tick(now));
            break;
          }
          std::vector<std::string> keys;
          for (const auto& w : in_flight) keys.push_back(w.idempotency_key);
          in_flight.clear();
          after_step(d.feed(Input::WriteOutcome(InputKind::kWriteConflict, keys, vendor, "409"), now));
          break;
        }
        case 8: {
          vendor.tags = normalize_tags({"tierd_escalate"});
          after_step(d.on(event(EventKind::kTagsChanged, vendor, now), now));
          break;
        }
        default: {
          vendor.priority = pick(2) ? Priority::kUrgent : Priority::kNormal;
          after_step(d.on(event(EventKind::kPriorityChanged, vendor, now), now));
          break;
        }
      }
    }
  }
}
