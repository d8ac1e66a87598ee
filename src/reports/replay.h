// `tierd simulate`: replays recorded helpdesk events through decide() on a
// virtual clock, to try a policy before it goes live.
//
// replay() keeps, per ticket, tierd's state (as the engine would) and a
// simulated helpdesk ticket. Events are taken in time order; before each, the
// deadlines that come first fire as timer ticks (a min-heap of the
// next_deadline of every ticket). tierd's writes are applied to the simulated
// ticket at once and confirmed at once (kWriteConfirmed with the updated
// ticket, as the vendor answers a write). No store, no network, no waiting:
// the same decide() as production, nothing else decides.
//
// A recorded event says what the ticket looked like after a change under the
// policy that was live then. The simulation applies only the change itself
// (status, group, assignee, priority, tags added or removed, fields: the
// difference from the previous recorded event of the ticket) to the simulated
// ticket, so the policy under test keeps its own escalations. Changes made by
// the integration's own API user (Policy::api_user_id) were tierd's own
// writes under the old policy and are left out.
//
// The run's audit records have the engine's shape, so build_report() reads
// them like the store's. Pure: any thread may call replay(); the run owns
// everything it returns.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/policy.h"
#include "core/ticket_event.h"
#include "core/time.h"
#include "reports/local_time.h"
#include "reports/stay_wait.h"
#include "store/store.h"

namespace tierd {

// One thing tierd decided to do, as `tierd simulate` prints it.
struct ReplayDecision {
  Instant at{};
  TicketId ticket = 0;
  std::string action;  // "escalate", "at_risk", "review", "forward", "assign_reviewer", ...
  std::string from;    // tier, group or queue it left; "" when not a move
  std::string to;
  std::string reason;  // one human sentence
  // For a move because a budget ran out: where the stay's wall-clock time
  // went (paused, closed), when that stretched it.
  std::optional<WaitFacts> wait;
};

nlohmann::json to_json(const ReplayDecision& d);
// "2025-03-10T09:30:00Z  ticket 48213  escalate  tier1 -> tier2  <reason>"
std::string describe(const ReplayDecision& d);
// The same with times in `local`: "Tue 2026-04-28 08:55 CEST  ticket 102
// escalate  tier2 -> tier3  <reason>; <where the wait went>".
std::string describe(const ReplayDecision& d, const LocalTime& local);

// The decision an audit note stands for, or nullopt for bookkeeping notes
// (clock running/paused, tier entered/left, write confirmed, ...).
std::optional<ReplayDecision> decision_from_audit(Instant at, TicketId ticket, const std::string& kind,
                                               const nlohmann::json& detail);

struct ReplayOptions {
  // Stop here; default: after the last deadline that follows the last event,
  // at most `horizon` after the last event.
  std::optional<Instant> until;
  Duration horizon = std::chrono::hours(24 * 30);
};

struct ReplayRun {
  std::vector<ReplayDecision> decisions;  // in time order
  std::vector<AuditRecord> audit;      // what the engine would have written
  size_t events = 0;                   // events applied
  size_t own_writes_skipped = 0;       // recorded changes by the integration's own user
  size_t duplicates = 0;               // repeated event ids
  size_t ticks = 0;                    // deadlines that fired
  Instant started{};                   // the first event's time
  Instant ended{};                     // where the virtual clock stopped
};

ReplayRun replay(std::vector<TicketEvent> events, const Policy& policy, const ReplayOptions& options);

// How two runs' decisions differ: decisions are matched by (ticket, action,
// from, to) in order of occurrence.
struct ReplayDifference {
  enum class Change { kOnlyA, kOnlyB, kMoved };
  Change change = Change::kOnlyA;
  ReplayDecision a;  // set for kOnlyA and kMoved
  ReplayDecision b;  // set for kOnlyB and kMoved
};
struct ReplayDiff {
  std::vector<ReplayDifference> differences;  // by time
  size_t same = 0;
};
ReplayDiff diff_runs(const ReplayRun& a, const ReplayRun& b);

}  // namespace tierd
