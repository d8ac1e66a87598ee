// Tier and agent analytics from the audit log: `tierd report`, and the
// summary that ends a `tierd simulate` run.
//
// ReportBuilder folds audit records (store/store.h AuditRecord, in the order
// the engine wrote them) into a TierReport. The audit trail has no single
// "solved" or "who solved" record, so the builder derives them:
//  * entered        — distinct tickets with a `tier_entered` note for the tier.
//  * escalated_out  — distinct tickets that left the tier for a later tier
//                     (`tier_left` whose `to` comes later in the policy order).
//  * solved         — an `event` record whose status (detail.status, or
//                     detail.current of a status change) is solved or closed,
//                     not undone by a later reopen (a ticket reopened and
//                     solved again counts once, for its final solve). The
//                     tier the ticket was in then is the tier it was solved in.
//  * credit         — as the helpdesk's own reporting does it, a solve is
//                     credited to the ticket's assignee at the moment it was
//                     solved; a solve with no assignee counts as unassigned.
//                     When the solve's actor is a different agent, that agent
//                     gets an "assisted" credit. An actor is an agent when the
//                     trail or the policy shows them as one (an assignee, a
//                     reviewer, a follower kept by an escalation, a route's
//                     agent, an agent with a schedule); the ticket's
//                     requester, system actors (ids <= 0: automations,
//                     triggers) and tierd's own API user never are.
//  * collaboration  — the previous assignees that escalations kept as
//                     followers (`escalate` detail.follower); each gets a
//                     "followed solve" when someone else solves the ticket.
//  * review         — `review_entered`, `reviewer_assigned`, `forwarded`,
//                     `forward_unknown_route`, `review_escalated`, `unassigned`.
//  * escalation cause — `escalate` detail.cause: "timer" (the tier's budget
//                     ran out) or "manual_tag" (trails written before causes
//                     were recorded: detail.reason "budget" or "manual");
//                     "agent_move" for a `tier_left` by an agent to a later
//                     tier; "review_budget" for `review_escalated`. Counted
//                     for the tier the ticket left, and for the route that
//                     last forwarded it.
//  * bounce-back    — a move down a tier by hand: `deescalate` (the agent's
//                     tag) or a `tier_left` by an agent to an earlier tier.
//  * reopen rate    — of the solves in a tier (each solve counts, a ticket
//                     solved twice counts twice), the share reopened later in
//                     the window.
//  * misroute       — a forwarded ticket that an agent moved to another group
//                     (`group_moved`) or that was forwarded again, within
//                     ReportOptions::misroute_window of the forward. Counted
//                     once per forward, for its route and its reviewer.
// Percentiles are nearest-rank over the samples of the window.
//
// Pure apart from the Store overload; not thread-safe (one builder per
// report). Any thread may call these functions.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/policy.h"
#include "core/status.h"
#include "core/time.h"
#include "store/store.h"

namespace tierd {

// Nearest-rank percentiles of a set of durations; empty when count == 0.
struct Percentiles {
  size_t count = 0;
  std::optional<Duration> p50;
  std::optional<Duration> p90;
};
Percentiles percentiles_of(std::vector<Duration> samples);

// Escalations by what caused them.
struct CauseCounts {
  int64_t timer = 0;          // the handling-time budget ran out
  int64_t manual_tag = 0;     // an agent added the escalate tag
  int64_t review_budget = 0;  // the review budget ran out: sent to the lead group
  int64_t agent_move = 0;     // an agent moved the ticket up a tier by hand
};

// What happened to tickets after they reached a tier or a route.
struct FlowCounts {
  CauseCounts escalated_by;  // escalations out of the tier / of the route's tickets
  int64_t solves = 0;        // every solve, a ticket solved again counts again
  int64_t reopened = 0;      // solves reopened later in the window
  double reopen_rate = 0;    // reopened / solves
  int64_t bounced_back = 0;  // moves down a tier by hand
};

struct TierLine {
  std::string name;
  int64_t entered = 0;         // distinct tickets
  int64_t solved_in_tier = 0;  // distinct tickets solved while in this tier
  int64_t escalated_out = 0;   // distinct tickets moved on to a later tier
  double share = 0;            // entered / all tickets
  double solved_share = 0;     // solved_in_tier / all tickets
  Percentiles time_in_tier;    // wall time of finished stays (left, or solved in the tier)
  Percentiles handling_time;   // clock time of the same stays
  Percentiles time_to_solve;   // tierd first seeing the ticket -> solved, for tickets solved here
  FlowCounts flow;
};

struct RouteLine {
  std::string name;
  int64_t forwarded = 0;  // by reviewers and by rules
  int64_t misroutes = 0;  // forwards moved on or forwarded again within the window
  FlowCounts flow;        // of tickets while this route was the last to get them
};

struct AgentLine {
  UserId id = 0;
  int64_t solved = 0;             // solves of tickets assigned to them
  int64_t assisted = 0;           // solves they made of tickets assigned to someone else
  int64_t reviewed = 0;           // distinct tickets they were reviewer of
  int64_t forwarded = 0;          // forwards they made as a reviewer
  int64_t received_forwards = 0;  // forwards that assigned a ticket to them
  int64_t followed_solves = 0;    // solves by others on tickets they followed after an escalation
  std::string name;               // from the helpdesk, when known (attach_names)
};

struct ReviewerLine {
  UserId id = 0;
  int64_t forwarded = 0;
  int64_t misroutes = 0;
  Percentiles time_to_forward;  // review_entered -> forwarded
  std::string name;             // from the helpdesk, when known (attach_names)
};

struct ReviewSummary {
  int64_t entered = 0;
  int64_t forwarded_by_reviewer = 0;
  int64_t forwarded_by_rule = 0;
  int64_t unknown_route = 0;
  int64_t escalated = 0;   // review budget used up, sent to the lead group
  int64_t unassigned = 0;  // forwarded with nobody available
  int64_t misroutes = 0;
};

struct TierReport {
  Instant since{};
  Instant now{};
  int64_t tickets = 0;  // distinct tickets that entered a tier or the review queue
  int64_t solved = 0;
  int64_t unassigned_solves = 0;        // solved with nobody assigned
  std::vector<TierLine> tiers;          // policy order, then tier names the policy no longer has
  std::vector<RouteLine> routes;        // policy order, then route names the policy no longer has
  std::vector<AgentLine> agents;        // by id
  std::vector<ReviewerLine> reviewers;  // by id
  ReviewSummary review;
};

// The seeds' benchmark the human report prints beside the actual shares.
inline constexpr double kBenchmarkSolvedAtFirstTier = 0.80;
inline constexpr double kBenchmarkReachThirdTierMin = 0.05;
inline constexpr double kBenchmarkReachThirdTierMax = 0.10;

struct ReportOptions {
  // A forward moved on by an agent or forwarded again within this is a misroute.
  Duration misroute_window = std::chrono::hours(24);
};

class ReportBuilder {
 public:
  // Counts records in [since, now].
  ReportBuilder(const Policy& policy, Instant since, Instant now, ReportOptions options = {});
  ~ReportBuilder();
  ReportBuilder(const ReportBuilder&) = delete;
  ReportBuilder& operator=(const ReportBuilder&) = delete;

  // Records outside the window are skipped; records with unreadable detail count
  // with an empty detail.
  void add(const AuditRecord& record);
  TierReport finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The audit kinds a report reads; every other kind is left out.
const std::vector<std::string>& report_audit_kinds();

TierReport build_report(const std::vector<AuditRecord>& records, const Policy& policy,
                        Instant since, Instant now, ReportOptions options = {});
// Streams the records of report_audit_kinds() in [since, now] from the store.
// Returns the report, or the store's error.
Result<TierReport> build_report(Store& store, const Policy& policy, Instant since, Instant now,
                                ReportOptions options = {});

// Sets the name of every agent and reviewer `names` knows (the cache of
// store/user_names.h); the others keep an empty name and show by id.
void attach_names(TierReport& report, const std::map<UserId, std::string>& names);

// Agents and reviewers carry "id" and "name" (null when not known).
nlohmann::json to_json(const TierReport& report);
// The human tables: tiers with the benchmark beside, escalation causes,
// routes, agents and reviewers (by name, with the id beside it).
void print_report(const TierReport& report, std::ostream& out);

}  // namespace tierd
