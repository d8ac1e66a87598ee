// decide(): what to do to one ticket. The functional core of tierd.
//
//   decide(state, input, now, policy, roster)
//     -> Decision{new state, writes, next deadline, audit, round-robin cursor advances}
//
// Pure: no I/O, no clock reads, no globals; the same arguments always give the
// same Decision. The engine (src/engine/engine.h) feeds it every input for a
// ticket — webhook events, timer ticks, and the outcomes of tierd's own
// writes — and commits the Decision atomically.
//
// decide.cpp is a dispatcher over named steps, one file per job; the steps
// and the files that hold them are listed in decide_steps.h.
//
// Rules (the step files quote them where they implement them):
//  * A ticket is in the tier that owns its group. Entering a tier, however it
//    happens, starts a fresh stay whose handling clock starts at zero.
//  * The clock runs while the status is one of the tier's clock statuses
//    (new/open by default) and counts only the tier calendar's working time;
//    other statuses pause it, keeping the time used.
//  * At `at_risk_share` of the budget the at-risk tag is added; when the budget
//    is used up the ticket moves to the next tier's first group with tier tags,
//    the previous assignee as a follower and an internal note saying why.
//  * An agent's escalate (deescalate) tag moves the ticket up (down) at once.
//  * Review: a ticket arriving in a review group gets the review tag and,
//    if configured, a reviewer (round-robin among available reviewers); a
//    matching "forward" routing rule forwards it at once instead, a "suggest"
//    rule names its route in a note. The review clock (review calendar, paused
//    like a tier clock) tags it at risk and, over the review budget, moves it
//    to the lead group.
//  * Forward: a tierd_forward_<route> tag or the forward field moves the ticket
//    to the route's group with an agent picked by the route's strategy among
//    the available agents of the Roster (nobody available: unassigned), drops
//    the request and the review tag and notes who forwarded; an unknown route
//    gets a note and the request is dropped. The tier of the route's group
//    starts its clock when the move lands.
//  * Shadow mode (Policy::shadow): no write goes out. Each is settled at once
//    as if it had landed and kept in the ticket's shadow backlog; while there
//    is a backlog, the helpdesk's reports change only what they say changed
//    (its copy of the group would undo the unwritten moves). Live again, the
//    backlog becomes one "go_live" write of what is still due, with a note
//    listing the decisions: nothing on a solved or closed ticket, no group
//    an agent has changed since; a conflict retries on the fresh ticket.
//  * tierd's whole-list tag writes are stamped in whole seconds, so one can
//    overwrite an agent's tag added in the same second. When the helpdesk's
//    echo of tierd's own write shows a tag removed that tierd neither
//    manages nor removed on purpose, a "restore_tags" write puts it back.
//  * A write is asked for once; until the vendor confirms it, refuses it
//    (conflict: decide again on the fresh ticket) or dead-letters it, the same
//    write is not asked for again. Echoes of tierd's own writes change nothing.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/policy.h"
#include "core/roster.h"
#include "core/ticket_event.h"
#include "core/ticket_state.h"
#include "core/ticket_write.h"

namespace tierd {

enum class InputKind {
  kEvent,           // a change reported by the helpdesk (webhook, export, API read)
  kTick,            // the ticket's deadline came
  kWriteConfirmed,  // the vendor applied tierd's writes `write_keys`; `vendor_ticket` is its answer
  kWriteConflict,   // the vendor refused them because the ticket changed; `vendor_ticket` is fresh
  kWriteDead,       // the writes were refused for good (dead-lettered)
};

struct Input {
  InputKind kind = InputKind::kTick;
  std::optional<TicketEvent> event;
  std::optional<TicketSnapshot> vendor_ticket;
  std::vector<std::string> write_keys;
  std::string detail;  // the vendor's answer, for the audit trail

  static Input Event(TicketEvent e);
  static Input Tick();
  static Input WriteOutcome(InputKind kind, std::vector<std::string> keys,
                            std::optional<TicketSnapshot> ticket, std::string detail);
};

// What caused an `escalate` note: "timer", "manual_tag", "review_budget" or
// "agent_move", from its "cause" and "reason" members. Trails written before
// notes named their cause give only the reason.
std::string escalation_cause(std::string_view cause, std::string_view reason);

// One line of the ticket's audit trail: what happened and why.
struct AuditNote {
  std::string kind;       // "tier_entered", "clock_paused", "escalate", "at_risk", ...
  nlohmann::json detail;  // reason, tier names, budget_ms, used_ms, ...
};

struct Decision {
  TicketState state;
  std::vector<TicketWrite> writes;
  std::optional<Instant> next_deadline;
  std::vector<AuditNote> audit;
  // Keys of unconfirmed writes this decision gave up on (superseded after a
  // conflict); the engine cancels their outbox records.
  std::vector<std::string> cancelled_writes;
  // Round-robin pools this decision advanced (pool -> agent picked); the
  // engine stores them with the ticket and updates its Roster.
  std::map<std::string, UserId> cursor_updates;
  // Summary for logs: "escalate tier1->tier2", "pause", "noop".
  std::string summary() const;
};

// `roster` says who can receive work now (see core/roster.h).
Decision decide(const TicketState& state, const Input& input, Instant now, const Policy& policy,
                const Roster& roster);
// The same with an empty Roster: nobody is available, so forwards and
// reviewer assignments leave tickets unassigned.
Decision decide(const TicketState& state, const Input& input, Instant now, const Policy& policy);

// Working time the clock of `state` shows at `now` (0 when in no tier).
Duration handling_time(const TicketState& state, Instant now, const Policy& policy);

// Before a policy change: banks the working time counted so far under the
// old policy (its calendars), so that a new calendar or budget applies only
// from `now` on and no time already used is lost or recounted.
TicketState rebase_clock(const TicketState& state, Instant now, const Policy& old_policy);

}  // namespace tierd
