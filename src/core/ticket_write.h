// TicketWrite: one change tierd wants made to a ticket at the helpdesk, in
// vendor-neutral terms. decide() produces them; the engine stores each as an
// outbox record; the api writer merges a ticket's pending writes into one
// vendor update.
//
// Tags are deltas (add/remove) against the ticket as tierd last knew it
// (`base_tags` at `base_updated_at`), so the writer can send the whole tag list
// with a safe-update stamp: if anyone changed the ticket meanwhile the vendor
// refuses (409) and the engine decides again on the fresh ticket.
//
// ticket_after_write() is the one statement of what a write does to a
// ticket: decide() applies it when a confirmation carries no ticket, the
// simulated helpdesk of `tierd simulate` when it takes a write, and
// merge_writes() (helpdesk/update_merge.h) for the fields of its update.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"

namespace tierd {

struct TicketWrite {
  std::string kind;             // "escalate", "deescalate", "at_risk", "retag", "clear_tag",
                                // "review", "forward", "forward_unknown", "review_escalate"
  std::string idempotency_key;  // unique per write; also the marker in its note
  TicketId ticket_id = 0;
  std::optional<GroupId> set_group;
  bool clear_assignee = false;
  std::optional<UserId> set_assignee;
  std::vector<std::string> add_tags;
  std::vector<std::string> remove_tags;
  std::vector<UserId> add_followers;
  std::optional<std::string> note;           // internal (private) note; ends with the marker
  std::vector<int64_t> clear_custom_fields;  // custom fields to empty (a consumed forward field)
  std::vector<std::string> base_tags;
  std::optional<Instant> base_updated_at;

  // The tag list after this write, applied to `tags`.
  std::vector<std::string> apply_tags(std::vector<std::string> tags) const;
  bool operator==(const TicketWrite&) const = default;
};

// The ticket as the helpdesk holds it once `w` has landed on `t`: the group
// and assignee the write sets (clearing before setting), its tags added and
// then removed (normalised, as apply_tags), the custom fields it clears
// removed. tags_known is kept: a write names only the tags it changes, not
// the whole list. Followers and the note are not part of a snapshot; ids and
// updated_at are the caller's (the helpdesk stamps the change).
TicketSnapshot ticket_after_write(TicketSnapshot t, const TicketWrite& w);

// The text that identifies a write's note, e.g. "[tierd ref 48213-3]".
std::string write_marker(const std::string& idempotency_key);

nlohmann::json to_json(const TicketWrite& w);
Result<TicketWrite> ticket_write_from_json(const nlohmann::json& j);

}  // namespace tierd
