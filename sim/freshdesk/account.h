// The simulated Freshdesk account's records (tickets with their notes and
// watchers, agents, groups) and the pure operations on them that the API
// and the control routes share: Freshdesk's JSON shapes, and the validation
// and partial update of a ticket as PUT /api/v2/tickets/{id} does it.
//
// Plain values and pure functions; the service guards an Account with its
// mutex.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"

namespace tierd::sim::freshdesk {

// Freshdesk's ticket status codes (custom statuses start at 6).
inline constexpr int kStatusOpen = 2;
inline constexpr int kStatusPending = 3;
inline constexpr int kStatusResolved = 4;
inline constexpr int kStatusClosed = 5;

struct Note {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t user_id = 0;
  std::string body;  // HTML
  bool is_private = true;
  bool incoming = false;
  std::vector<std::string> notify_emails;
  Instant created_at{};
};

struct Ticket {
  int64_t id = 0;
  std::string subject;
  std::string description;  // HTML
  int status = kStatusOpen;
  int priority = 1;  // 1 Low .. 4 Urgent
  int source = 2;    // 2 Portal
  std::optional<int64_t> group_id;
  std::optional<int64_t> responder_id;
  int64_t requester_id = 0;
  std::vector<std::string> tags;
  nlohmann::json custom_fields = nlohmann::json::object();
  Instant created_at{};
  Instant updated_at{};
  std::vector<Note> notes;
  std::set<int64_t> watcher_ids;
};

struct Agent {
  int64_t id = 0;
  std::string name;
  std::string email;
  bool available = true;
};

struct Group {
  int64_t id = 0;
  std::string name;
  std::string description;
  std::vector<int64_t> agent_ids;
};

struct Account {
  std::map<int64_t, Ticket> tickets;
  std::map<int64_t, Agent> agents;
  std::map<int64_t, Group> groups;
  int64_t next_ticket_id = 1;
  int64_t next_note_id = 43000000001;
};

// One entry of a 400 answer's "errors".
struct FieldError {
  std::string field;
  std::string message;
  std::string code;  // missing_field, invalid_value, datatype_mismatch, invalid_field, ...
};

// A ticket property that an update changed, as {{triggered_event}} names it.
struct FieldChange {
  std::string field;  // "status", "priority", "group_id", "responder_id"
  std::string from;
  std::string to;
};

// Checks every member of an update body against the account (ids must name
// an existing group or agent, enums their documented ranges) and applies
// them only when all are valid. `allowed` lists the members this endpoint
// takes. Returns the errors (nothing changed) or nothing, with the
// changes to the watched properties appended to `changes`.
std::vector<FieldError> apply_ticket_update(Ticket& ticket, const nlohmann::json& body,
                                            const Account& account,
                                            const std::set<std::string>& allowed,
                                            std::vector<FieldChange>& changes);

// The members PUT /api/v2/tickets/{id} and bulk_update's "properties" take
// here (a subset of Freshdesk's: the ones tierd and the tests use).
const std::set<std::string>& ticket_update_fields();

// 400 {"description":"Validation failed","errors":[...]}.
nlohmann::json validation_failed(const std::vector<FieldError>& errors);

// "2015-08-24T11:59:05Z": Freshdesk's UTC timestamps, whole seconds.
std::string freshdesk_time(Instant t);

// Freshdesk's names, as {{ticket.status}} and friends render them.
std::string status_name(int status);
std::string priority_name(int priority);
std::string source_name(int source);

nlohmann::json ticket_json(const Ticket& t);
nlohmann::json note_json(const Note& n);
nlohmann::json agent_json(const Agent& a, const Account& account);
// The list endpoint's sample leaves agent_ids out; GET /groups/{id} has them.
nlohmann::json group_json(const Group& g, bool with_agent_ids);

}  // namespace tierd::sim::freshdesk
