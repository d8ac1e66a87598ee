// Ticket states whose summaries (core/ticket_summary.h) differ in every field,
// as the engine would store them, for the summary listing and the upgrade
// that derives the summary columns from stored states; and what both stores
// must list after that upgrade.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/ticket_state.h"
#include "core/ticket_summary.h"
#include "core/time.h"
#include "store/store.h"
#include "support/must.h"

namespace tierd::testing {

struct SummarisedTicket {
  TicketId id = 0;
  std::string state_json;
  TicketSummary summary;  // what summarise() makes of it
};

// Ticket 1: open, assigned to agent 7, tier 1's clock running. 2: solved (no
// open assignee), clock stopped. 3: open, its pending write assigning agent 9,
// shadow writes kept. 4: not seen yet (an empty summary).
inline std::vector<SummarisedTicket> summarised_tickets() {
  std::vector<TicketState> states(4);
  for (size_t i = 0; i < states.size(); ++i) states[i].id = static_cast<TicketId>(i + 1);
  states[0].known = true;
  states[0].ticket.status = TicketStatus::kOpen;
  states[0].ticket.assignee_id = 7;
  states[0].stay.tier = 1;
  states[0].stay.running_since = from_unix_ms(1'000);
  states[1].known = true;
  states[1].ticket.status = TicketStatus::kSolved;
  states[1].ticket.assignee_id = 7;
  states[1].stay.tier = 0;
  states[2].known = true;
  states[2].ticket.status = TicketStatus::kOpen;
  states[2].ticket.assignee_id = 8;
  states[2].pending.push_back(
      {.key = "k1", .kind = "forward", .sets_assignee = true, .to_assignee = 9});
  states[2].shadow_writes.push_back({.key = "s1", .kind = "escalate"});
  std::vector<SummarisedTicket> out;
  for (const auto& s : states) out.push_back({s.id, to_json(s).dump(), summarise(s)});
  return out;
}

inline std::vector<ClockSummaryRow> clock_summaries(Store& store) {
  std::vector<ClockSummaryRow> rows;
  must(store.for_each_clock_summary(cluster::ShardScope::all(),
                                    [&](const ClockSummaryRow& r) { rows.push_back(r); }));
  return rows;
}

// A store of schema 1 held summarised_tickets(), ticket 1 with a deadline at
// 50 s, and ticket 5 with an unreadable state and a deadline at 70 s; `store`
// is it after the upgrade.
inline void check_upgraded_summaries(Store& store, const std::vector<SummarisedTicket>& tickets) {
  auto rows = clock_summaries(store);
  REQUIRE(rows.size() == 3);  // 2 (solved) and 4 (unseen) have nothing to reload
  CHECK(rows[0].id == 1);
  CHECK(rows[0].deadline == from_unix_ms(50'000));
  CHECK(rows[0].summary == tickets[0].summary);
  CHECK(rows[0].summary.running_tier == 1);
  CHECK(rows[1].id == 3);
  CHECK(rows[1].summary == tickets[2].summary);
  CHECK(rows[1].summary.open_assignee == 9);
  CHECK(rows[2].id == 5);  // unreadable: its deadline stays, with an empty summary
  CHECK(rows[2].deadline == from_unix_ms(70'000));
  CHECK(rows[2].summary == TicketSummary{});
  auto kept = must(store.load_ticket(3));
  REQUIRE(kept.has_value());
  CHECK(kept->state_json == tickets[2].state_json);
}

}  // namespace tierd::testing
