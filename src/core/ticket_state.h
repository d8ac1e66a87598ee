// TicketState: everything the engine remembers about one ticket between
// inputs — the mirror of the helpdesk's ticket, the current tier stay with its
// handling clock, the review stay with its review clock, and the writes asked
// for but not yet confirmed. decide()
// maps (TicketState, Input, now, Policy) to the next TicketState; the store
// keeps it as JSON (to_json / ticket_state_from_json).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"

namespace tierd {

// One continuous stay of a ticket in one tier, and its handling clock.
//
// The clock's working time is `used` plus, while running, the working time
// from `running_since` to now. It restarts (used = 0) whenever the ticket
// enters a tier, however it got there.
struct TierStay {
  int tier = -1;  // index in Policy::tiers; -1: in no tier
  Instant entered_at{};
  std::string entered_by;                // "created", "first_seen", "escalation", "agent", ...
  Duration used{0};                      // working time counted before running_since
  std::optional<Instant> running_since;  // set while the clock runs
  bool at_risk = false;                  // the at-risk tag was asked for in this stay
  bool escalation_blocked = false;       // an escalation write was refused for good
  bool operator==(const TierStay&) const = default;
};

// One continuous stay of a ticket in the review groups, and its review
// clock (same accounting as TierStay's clock, on the review calendar).
struct ReviewStay {
  bool active = false;  // the ticket is in a review group
  Instant entered_at{};
  Duration used{0};
  std::optional<Instant> running_since;
  bool entry_written = false;       // the arrival (tag, reviewer, suggestion) was handled
  bool at_risk = false;             // the at-risk tag was asked for in this stay
  bool escalation_blocked = false;  // the move to the leads was refused for good
  std::optional<std::string> suggested_route;  // by a "suggest" routing rule
  bool operator==(const ReviewStay&) const = default;
};

// A write decide() asked for that the vendor has not confirmed yet.
struct PendingWrite {
  std::string key;
  std::string kind;
  std::optional<GroupId> to_group;
  int to_tier = -1;
  Instant decided_at{};
  std::vector<std::string> removes_tags;
  bool sets_assignee = false;         // the write sets (or clears) the assignee ...
  std::optional<UserId> to_assignee;  // ... to this agent (nullopt: unassigned)
  bool operator==(const PendingWrite&) const = default;
};

// A write decided in shadow mode. It was settled at once as if the helpdesk
// had applied it (so the clocks go on as they would have), and is kept until
// going live reconciles the helpdesk with it: see decide.h.
struct ShadowWrite {
  std::string key;
  std::string kind;
  Instant decided_at{};
  std::optional<GroupId> set_group;
  bool sets_assignee = false;         // sets (or clears) the assignee ...
  std::optional<UserId> to_assignee;  // ... to this agent (nullopt: unassigned)
  std::vector<std::string> add_tags;
  std::vector<std::string> remove_tags;
  std::vector<UserId> add_followers;
  std::vector<int64_t> clear_custom_fields;
  std::string summary;  // the note it would have written, without its marker
  bool operator==(const ShadowWrite&) const = default;
};

struct TicketState {
  TicketId id = 0;
  bool known = false;  // false until the first snapshot of the ticket
  bool deleted = false;
  TicketSnapshot ticket;  // the helpdesk's ticket as last reported by it
  TierStay stay;
  std::vector<PendingWrite> pending;
  int64_t next_write_seq = 1;
  ReviewStay review;
  // Who made the change that asked for the pending forward (the reviewer).
  std::optional<UserId> forward_actor;
  // The forward field value already acted on: a value is acted on once, even
  // while the helpdesk still shows it.
  std::string consumed_forward_field;
  bool forward_blocked = false;  // a forward write was refused for good; wait for a new request
  // Tags tierd's own recent writes removed on purpose, including the tag of
  // a dropdown value it cleared (newest last, a few dozen at most): an echo
  // removing any other tag that tierd does not manage shows an agent's tag
  // overwritten (see decide.h).
  std::vector<std::string> own_removed_tags;
  // Agents' tags that a write of tierd's overwrote, to be put back (kept
  // until a write putting them back lands).
  std::vector<std::string> tags_to_restore;
  // Writes decided in shadow mode, oldest first. While there are any, the
  // mirror shows the ticket as they would have left it, not as the helpdesk
  // has it.
  std::vector<ShadowWrite> shadow_writes;

  bool has_pending(std::string_view kind) const;
  bool pending_removes_tag(std::string_view tag) const;
  bool operator==(const TicketState&) const = default;
};

nlohmann::json to_json(const TicketState& s);
Result<TicketState> ticket_state_from_json(const nlohmann::json& j);

}  // namespace tierd
