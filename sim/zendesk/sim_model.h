// The simulator's in-memory helpdesk account: users, groups, memberships,
// tickets with their comments, API-created webhooks, ticket fields, and the
// counters that hand out ids.
//
// Plain data. SimState is owned by SimService, which guards it with its mutex;
// the free functions here never lock and never read a clock (`now` is passed
// in), so they can be tested directly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "sim/zendesk/account_model.h"

namespace tierd::sim {

struct SimUser {
  int64_t id = 0;
  std::string name;
  std::string email;
  std::string role = "end-user";  // "end-user", "agent" or "admin"
  bool active = true;
  std::vector<std::string> tags;
  std::optional<int64_t> organization_id;
  bool is_staff() const { return role == "agent" || role == "admin"; }
};

struct SimGroup {
  int64_t id = 0;
  std::string name;
  bool is_default = false;
};

struct SimMembership {
  int64_t id = 0;
  int64_t user_id = 0;
  int64_t group_id = 0;
  bool is_default = false;
};

struct SimComment {
  int64_t id = 0;
  std::string body;
  std::string html_body;
  bool is_public = true;
  int64_t author_id = 0;
  int64_t audit_id = 0;
  std::string channel;
  Instant created_at;
};

struct SimCustomField {
  int64_t id = 0;
  nlohmann::json value;  // null, string, number, bool or array, as written
};

struct SimTicket {
  int64_t id = 0;
  std::string subject;
  std::string description;
  std::string status = "new";  // lower-case API spelling
  std::string priority;        // "" = none
  std::string type;            // "" = none
  std::optional<int64_t> group_id;
  std::optional<int64_t> assignee_id;
  int64_t requester_id = 0;
  int64_t submitter_id = 0;
  std::optional<int64_t> organization_id;
  int64_t brand_id = 0;
  int64_t ticket_form_id = 0;
  std::string external_id;
  std::vector<std::string> tags;  // normalized: lower-case, sorted, unique
  std::vector<SimCustomField> custom_fields;
  std::vector<int64_t> follower_ids;  // sorted, unique
  std::string channel = "web";        // via.channel of the ticket's creation
  Instant created_at;
  Instant updated_at;      // whole seconds, like Zendesk
  int64_t change_seq = 0;  // account-wide order of the last change (export cursor)
  std::vector<SimComment> comments;
};

struct SimState {
  std::map<int64_t, SimUser> users;
  std::map<int64_t, SimGroup> groups;
  std::map<int64_t, SimMembership> memberships;
  std::map<int64_t, SimTicket> tickets;
  std::map<std::string, SimWebhook> webhooks;  // by id; ids sort in creation order
  std::map<int64_t, SimTicketField> ticket_fields;
  int64_t next_ticket_id = 1;
  int64_t next_comment_id = 31000000001;
  int64_t next_audit_id = 22000000001;
  int64_t next_membership_id = 360000000001;
  int64_t change_seq = 0;
  int64_t next_ticket_field_id = 360010000001;
  int64_t next_field_option_id = 360020000001;

  const SimUser* find_user(int64_t id) const;
  const SimUser* find_user_by_email(const std::string& email) const;
  bool is_member(int64_t user_id, int64_t group_id) const;
  // The group a ticket lands in when only its assignee is set: the user's
  // default membership, else the first one; nullopt for users in no group.
  std::optional<int64_t> default_group_of(int64_t user_id) const;
};

// Zendesk keeps updated_at to the second.
Instant whole_seconds(Instant t);

// The account's custom status id for a built-in status ("new" -> 18000001...).
int64_t custom_status_id(const std::string& status);

bool is_valid_status(const std::string& s);
bool is_valid_priority(const std::string& s);
bool is_valid_type(const std::string& s);

}  // namespace tierd::sim
