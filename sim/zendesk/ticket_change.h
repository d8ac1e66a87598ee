// Applying a Zendesk ticket write ({"ticket": {...}} bodies) to the simulated
// account, with Zendesk's validation and side rules (assigning a new ticket
// opens it; a drop-down field and its option's tag go together), and
// reporting what changed so that audits and webhook events can be derived
// from it.
//
// Pure functions over SimState; the caller (SimService) holds the state lock
// and passes `now`. Not thread-safe on their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "sim/zendesk/sim_model.h"

namespace tierd::sim {

struct ScalarChange {
  nlohmann::json previous;  // null when unset
  nlohmann::json current;
};

struct CustomFieldChange {
  int64_t id = 0;
  nlohmann::json previous;
  nlohmann::json current;
};

// What one write changed, aspect by aspect.
struct TicketChanges {
  bool created = false;
  std::optional<ScalarChange> status;    // lower-case strings
  std::optional<ScalarChange> priority;  // lower-case string or null
  std::optional<ScalarChange> type;
  std::optional<ScalarChange> group;  // ids as numbers or null
  std::optional<ScalarChange> assignee;
  std::optional<ScalarChange> subject;
  std::vector<std::string> tags_added;
  std::vector<std::string> tags_removed;
  std::vector<CustomFieldChange> custom_fields;
  std::vector<int64_t> followers_added;
  std::vector<int64_t> followers_removed;
  std::optional<int64_t> comment_id;  // the comment this write added
  int64_t audit_id = 0;               // set when the write was stored

  bool any() const;
};

// How the write reached the account; changes which fields are honoured.
enum class WriteForm {
  kSingle,  // PUT /tickets/{id} and the control API
  kBulk,    // update_many?ids=: one ticket object applied to many tickets
  kBatch,   // update_many {"tickets": [...]}: additional_tags/remove_tags are ignored there
};

struct WriteContext {
  int64_t actor_id = 0;         // the user making the change (comment author by default)
  std::string channel = "api";  // via.channel of comments added by this write
  WriteForm form = WriteForm::kSingle;
  Instant now;
};

// Applies `ticket_json` (the object inside {"ticket": ...}) to ticket `id`.
// Returns the changes on success (possibly none; updated_at moves only when
// something changed). Failures leave the ticket untouched:
//   kNotFound         unknown ticket
//   kConflict         safe_update with a stale updated_stamp
//   kInvalidArgument  invalid value (unknown group, status, user...) or a closed ticket
Result<TicketChanges> apply_ticket_update(SimState& state, int64_t id,
                                          const nlohmann::json& ticket_json,
                                          const WriteContext& ctx);

// Creates a ticket from a create body ({"ticket": {...}} inner object).
// Needs a comment (or description); the requester defaults to the actor.
// Returns the new ticket's id, or kInvalidArgument naming the bad field.
Result<int64_t> create_ticket(SimState& state, const nlohmann::json& ticket_json,
                              const WriteContext& ctx, TicketChanges* changes);

// Tag edits used by the tags endpoints: kAdd, kRemove or kSet.
enum class TagEdit { kAdd, kRemove, kSet };
Result<TicketChanges> apply_tag_edit(SimState& state, int64_t id, TagEdit edit,
                                     const nlohmann::json& body, const WriteContext& ctx);

// Reads a tag list as Zendesk accepts it: an array of strings or one
// space-separated string; each tag lower-cased, whitespace splitting words.
std::vector<std::string> read_tags(const nlohmann::json& value);

}  // namespace tierd::sim
