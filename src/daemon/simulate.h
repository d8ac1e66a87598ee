// `tierd simulate`: replays recorded helpdesk events through decide() on a
// virtual clock, to try a policy before it goes live.
//
// simulate() keeps, per ticket, tierd's state (as the engine would) and a
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
// them like the store's. Pure: any thread may call simulate(); the run owns
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
#include "store/store.h"

namespace tierd {

// One thing tierd decided to do, as `tierd simulate` prints it.
struct SimDecision {
  Instant at{};
  TicketId ticket = 0;
  std::string action;  // "escalate", "at_risk", "review", "forward", "assign_reviewer", ...
  std::string from;    // tier, group or queue it left; "" when not a move
  std::string to;
  std::string reason;  // one human sentence
};

nlohmann::json to_json(const SimDecision& d);
// "2025-03-10T09:30:00Z  ticket 48213  escalate  tier1 -> tier2  <reason>"
std::string describe(const SimDecision& d);

// The decision an audit note stands for, or nullopt for bookkeeping notes
// (clock running/paused, tier entered/left, write confirmed, ...).
std::optional<SimDecision> decision_from_audit(Instant at, TicketId ticket, const std::string& kind,
                                               const nlohmann::json& detail);

struct SimOptions {
  // Stop here; default: after the last deadline that follows the last event,
  // at most `horizon` after the last event.
  std::optional<Instant> until;
  Duration horizon = std::chrono::hours(24 * 30);
};

struct SimRun {
  std::vector<SimDecision> decisions;  // in time order
  std::vector<AuditRecord> audit;      // what the engine would have written
  size_t events = 0;                   // events applied
  size_t own_writes_skipped = 0;       // recorded changes by the integration's own user
  size_t duplicates = 0;               // repeated event ids
  size_t ticks = 0;                    // deadlines that fired
  Instant started{};                   // the first event's time
  Instant ended{};                     // where the virtual clock stopped
};

SimRun simulate(std::vector<TicketEvent> events, const Policy& policy, const SimOptions& options);

// How two runs' decisions differ: decisions are matched by (ticket, action,
// from, to) in order of occurrence.
struct SimDifference {
  enum class Change { kOnlyA, kOnlyB, kMoved };
  Change change = Change::kOnlyA;
  SimDecision a;  // set for kOnlyA and kMoved
  SimDecision b;  // set for kOnlyB and kMoved
};
struct SimDiff {
  std::vector<SimDifference> differences;  // by time
  size_t same = 0;
};
SimDiff diff_runs(const SimRun& a, const SimRun& b);

struct SimulateArgs {
  std::string config;
  std::string events;  // path of the JSONL file
  bool json = false;
  std::string until;        // ISO instant; "" = default
  std::string diff_config;  // "" = no diff
};

// `tierd simulate --config FILE --events EVENTS.jsonl [--json] [--until ISO]
// [--diff OTHER_CONFIG]`. Writes to `out`, problems to `err`. Returns 0, 2
// for bad arguments or config, 1 when the events file cannot be read.
int run_simulate(const SimulateArgs& args, std::ostream& out, std::ostream& err);

}  // namespace tierd
