// Checks shared by the crash harness and the vendor fault drills: what the
// simulator recorded (API requests, webhook deliveries, tickets), the notes
// tierd wrote and their "[tierd ref KEY]" markers, a read-only look into
// tierd's SQLite file, and tierd's /metrics.
//
// Everything here reads; nothing changes the simulator or the store. The
// functions are called from the test's thread only. Simulator calls go
// through LiveStack::sim(), which throws on a transport error, so a failed
// read fails the test that made it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/live_stack.h"

namespace tierd::testing {

bool has_tag(const nlohmann::json& ticket, const std::string& tag);
// The ticket's group in the simulator; 0 when it has none.
int64_t group_of(LiveStack& stack, int64_t ticket_id);

// The KEYs of the "[tierd ref KEY]" markers in the notes, in note order
// (a key written twice appears twice).
std::vector<std::string> note_keys(const std::vector<std::string>& notes);
// How many of the notes contain `text`.
int count_containing(const std::vector<std::string>& notes, const std::string& text);

// True when `path` is /api/v2/tickets/{id} or /api/v2/tickets/{id}.json
// (and not /api/v2/tickets/{id}/comments, nor another id that starts alike).
bool is_ticket_path(const std::string& path, int64_t ticket_id);

// The simulator's request log (GET /sim/requests).
nlohmann::json sim_requests(LiveStack& stack);
// Requests of the log with this method whose path starts with `prefix`, and
// with this status unless `status` is nullopt.
std::vector<nlohmann::json> requests_matching(const nlohmann::json& log, const std::string& method,
                                              const std::string& prefix,
                                              std::optional<int> status = std::nullopt);
// PUTs of the ticket itself (not bulk jobs) that the simulator answered 200.
int successful_single_writes(const nlohmann::json& log, int64_t ticket_id);
// One line per PUT the simulator recorded for the ticket, single or within a
// bulk job: time, status, path, body. For failure messages.
std::string describe_writes(const nlohmann::json& log, int64_t ticket_id);
// The request log's time field in ms since the epoch.
int64_t request_time_ms(const nlohmann::json& request);

// What the simulator's webhook sender recorded (GET /sim/webhooks). For
// freshdesk-sim, whose deliveries carry no event id, the ids are the ones
// tierd's parser derives from each delivered body.
struct DeliveryTally {
  std::set<std::string> acknowledged;      // event ids answered 2xx by tierd
  std::set<int64_t> created_acknowledged;  // tickets whose "created" event was
  int failed = 0;                          // gave up after the retries
  int pending = 0;                         // not finished yet
  int dropped = 0;
};
DeliveryTally tally_deliveries(LiveStack& stack);

// tierd's SQLite file, read-only. Each call opens the file, reads and closes;
// a test that cannot read it fails with the SQLite error.
struct InboxRow {
  bool processed = false;
};
std::map<std::string, InboxRow> read_inbox(const std::string& db_path);
// Outbox records by state ("pending", "done", "dead", "cancelled").
std::map<std::string, int> outbox_states(const std::string& db_path);
// The kinds ("escalate", "at_risk", ...) of the outbox records in `state`.
std::vector<std::string> outbox_kinds_in_state(const std::string& db_path,
                                               const std::string& state);
// The store path from a LiveStack config file.
std::string store_path(const LiveStack& stack);

// The value of an unlabelled sample `name` on tierd's /metrics; nullopt when
// tierd does not answer or does not show it.
std::optional<double> scrape_metric(int port, const std::string& name);

// `tierd explain` for the ticket (its timeline from the store), for failure
// messages; tierd may be running.
std::string explain_ticket(const LiveStack& stack, int64_t ticket_id);

// A positive integer from the environment, or `fallback`.
int env_int(const char* name, int fallback);

}  // namespace tierd::testing
