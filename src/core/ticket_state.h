// TicketState: everything the engine remembers about one ticket between
// inputs — the mirror of the helpdesk's ticket, the current tier stay with its
// handling clock, and the writes asked for but not yet confirmed. decide()
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
  int tier = -1;                          // index in Policy::tiers; -1: in no tier
  Instant entered_at{};
  std::string entered_by;                 // "created", "first_seen", "escalation", "agent", ...
  Duration used{0};                       // working time counted before running_since
  std::optional<Instant> running_since;   // set while the clock runs
  bool at_risk = false;                   // the at-risk tag was asked for in this stay
  bool escalation_blocked = false;        // an escalation write was refused for good
  bool operator==(const TierStay&) const = default;
};

// A write decide() asked for that the vendor has not confirmed yet.
struct PendingWrite {
  std::string key;
  std::string kind;
  std::optional<GroupId> to_group;
  int to_tier = -1;
  Instant decided_at{};
  std::vector<std::string> removes_tags;
  bool operator==(const PendingWrite&) const = default;
};

struct TicketState {
  TicketId id = 0;
  bool known = false;       // false until the first snapshot of the ticket
  bool deleted = false;
  TicketSnapshot ticket;    // the helpdesk's ticket as last reported by it
  TierStay stay;
  std::vector<PendingWrite> pending;
  int64_t next_write_seq = 1;

  bool has_pending(std::string_view kind) const;
  bool pending_removes_tag(std::string_view tag) const;
  bool operator==(const TicketState&) const = default;
};

nlohmann::json to_json(const TicketState& s);
Result<TicketState> ticket_state_from_json(const nlohmann::json& j);

}  // namespace tierd
