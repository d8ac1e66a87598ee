// FreshdeskApiClient: HelpdeskApi over Freshdesk's REST API v2
// (https://<account>.freshdesk.com/api/v2).
//
// Transport. One keep-alive HTTP(S) connection (cpp-httplib, TCP_NODELAY, no
// redirects, connect/read/write timeouts = options.timeout, the server's
// certificate verified against options.ca_file or the system store).
// Requests are serialised on it, so the client is safe to call from several
// threads. Authentication is HTTP Basic with the API key as user name and
// "X" as password, as Freshdesk documents; the key goes only into the
// Authorization header and is never logged, nor is any request or answer
// body. Every request, pages of a list included, is paced by options.pacer,
// which hears X-RateLimit-Total / X-RateLimit-Remaining / Retry-After of
// every answer (parse_freshdesk_rate_limit_headers).
//
// Errors. Answers map to Status codes as helpdesk/helpdesk_api.h documents
// (helpdesk/http_status.h); a 429's Retry-After becomes retry_after(). The
// message adds what Freshdesk's error body says (freshdesk_error_text:
// "description" and each of "errors[]" as field: message (code), or
// "message") and, for 401 and 403, what to check.
//
// Ticket fields. status 2 Open, 3 Pending, 4 Resolved, 5 Closed, 6 and up
// custom (unknown to tierd), mapped by freshdesk/webhook_payload.h's
// status_from_code, the same mapping the webhooks use; priority 1-4
// likewise; group_id; responder_id is the assignee; tags; company_id is the
// organisation; source is the channel; updated_at. Freshdesk's custom fields
// are keyed by name ("cf_route_123"), which TicketSnapshot's numbered custom
// fields cannot hold, so they are not read; see clear_custom_fields below.
//
// update_ticket, in this order, so that the private note is the last thing
// written and so marks the whole write as applied (has_comment_containing):
//   1. with updated_stamp: GET /tickets/{id} and compare its updated_at;
//      a different one returns kConflict (the caller re-decides) and nothing
//      is written, unless the ticket already holds every field the PUT
//      would set (group_id, responder_id, tags; at least one of them): then
//      the change overwrote none of them, the PUT is left out and steps 3
//      and 4 go on. Freshdesk has no conditional update (no ETag, If-Match
//      or version on tickets), so a change made between this GET and the
//      PUT, one round trip, is overwritten: that window remains.
//   2. PUT /tickets/{id} with group_id, responder_id (null to unassign; that
//      null is accepted is not documented), tags. Freshdesk's tags replace
//      the whole list: the caller sends the whole list computed from the
//      state it read at updated_stamp, which step 1 checks.
//   3. each follower: POST /tickets/{id}/watch {"user_id": ...}, Freshdesk's
//      watchers, its nearest equivalent of followers for any agent.
//   4. the internal note: POST /tickets/{id}/notes {"body", "private": true}.
// A crash or a timeout before step 4 leaves no marker, so the write is sent
// again; steps 2 and 3 are idempotent. Step 1 then sees tierd's own earlier
// PUT as a change, but one that left the ticket holding the write's fields,
// so the watchers and the note are written: answering kConflict there would
// have the caller re-decide from a ticket already moved, with nothing left
// to write, and the note would be lost. If anything changed those fields
// since, it is kConflict and the caller re-decides. A crash after step 4
// leaves the marker: the write is found applied and not repeated. The answer is the ticket the PUT
// returned, or re-read after watchers or a note (they move updated_at).
// clear_custom_fields: numbered ids cannot name a Freshdesk field, and no
// Freshdesk ticket carries a numbered field tierd could have read (see
// above), so ids given are skipped with one warning per process.
//
// update_many: POST /tickets/bulk_update {"bulk_action": {"ids",
// "properties"}} returns a job id. A bulk update sets the same properties
// on every ticket, so the caller groups only updates whose properties are
// identical (group_id, assignee, tags); updates that differ, or that carry
// a note, followers, custom fields to clear or an updated_stamp (none of
// which bulk_update can express) are refused with InvalidArgument before
// anything is sent. job_status: GET /jobs/{id}; see parse_freshdesk_job.
//
// export_tickets: GET /tickets?updated_since=...&order_by=updated_at&
// order_type=asc&per_page=100&page=N. Freshdesk stops a listing at page 300;
// there the client starts a new listing with updated_since moved to the
// last updated_at it saw, and leaves out the tickets of that second it has
// already returned. The cursor (freshdesk/export_cursor.h) carries that
// state. end_of_stream when an answer has no rel="next" Link, except that a
// full page at the cap goes on (whether Freshdesk links past its cap is not
// documented).
//
// group_memberships: GET /groups/{id} (agent_ids; admin only).
// current_user: GET /agents/me. users_by_ids: GET /agents/{id} for each id
// (Freshdesk has no show-many for agents); unknown ids are left out. Agents
// carry no tags, so UserInfo::tags stays empty and role is "agent".
//
// Documented (developers.freshdesk.com/api): Basic auth with key:X; the
// ticket fields and codes above; PUT replaces tags; notes with private; the
// conversations list (paged); watch with user_id; bulk_update's body and
// {"job_id"} answer; /jobs/{id} with "status"; list tickets' updated_since,
// order_by, order_type, per_page max 100, the Link header and the 300-page
// cap; /groups/{id} agent_ids; /agents/me; the error body; X-RateLimit-*
// and Retry-After on 429. Not documented, and read tolerantly: whether
// responder_id null unassigns; the final job status strings and per-ticket
// results (see parse_freshdesk_job); whether updated_since is inclusive (the
// dedupe covers both); the bodies of 401/403/404/429.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/ticket.h"
#include "core/time.h"
#include "helpdesk/helpdesk_api.h"
#include "helpdesk/request_pacer.h"

namespace httplib {
class Client;
}

namespace tierd::freshdesk {

struct FreshdeskApiOptions {
  std::string base_url;  // "https://acme.freshdesk.com" (http:// for loopback tests)
  std::string api_key;
  Duration timeout = std::chrono::seconds(10);
  std::string ca_file;  // empty: the system CA store
  // Shared by every client of the account; null: no pacing.
  RequestPacer* pacer = nullptr;
};

// Parses a ticket object of the REST API. Returns InvalidArgument when it
// has no usable id or a field has the wrong type.
Result<TicketSnapshot> parse_freshdesk_ticket(const nlohmann::json& ticket);

// Parses GET /jobs/{id}. The documented status is "IN PROGRESS"; the final
// strings are not documented, so: "IN PROGRESS"/"IN_PROGRESS" -> working,
// "QUEUED" -> queued, "COMPLETED"/"SUCCESS"/"DONE" -> completed, "FAILED"
// -> failed, anything else kept lower-cased (not finished). Per-ticket
// results are read from "data" (or "results"): {"id", "success", "error"};
// an item is a success only when it says "success": true without an error.
Result<JobStatus> parse_freshdesk_job(const nlohmann::json& job);

// X-RateLimit-Total (limit), X-RateLimit-Remaining, Retry-After (seconds),
// any case; refused for HTTP 429. A value that does not parse is left out.
RateLimitReport parse_freshdesk_rate_limit_headers(
    const std::vector<std::pair<std::string, std::string>>& headers, int http_status);

// What an error answer's body says, for people: "Validation failed: type:
// It should be one of ... (invalid_value)". Empty for an empty or non-JSON
// body. At most about 500 bytes.
std::string freshdesk_error_text(const std::string& body);

// Whether a Link header value has a rel="next" link.
bool link_has_next(const std::string& link);

class FreshdeskApiClient : public HelpdeskApi {
 public:
  explicit FreshdeskApiClient(FreshdeskApiOptions options);
  ~FreshdeskApiClient() override;
  FreshdeskApiClient(const FreshdeskApiClient&) = delete;
  FreshdeskApiClient& operator=(const FreshdeskApiClient&) = delete;

  Result<TicketSnapshot> get_ticket(TicketId id) override;
  Result<TicketSnapshot> update_ticket(const TicketUpdate& update) override;
  Result<std::string> update_many(const std::vector<TicketUpdate>& updates) override;
  Result<JobStatus> job_status(const std::string& job_id) override;
  Result<bool> has_comment_containing(TicketId id, const std::string& marker) override;
  Result<ExportPage> export_tickets(const std::string& cursor, Instant start_time) override;
  Result<std::vector<GroupMember>> group_memberships(GroupId group) override;
  Result<UserInfo> current_user() override;
  Result<std::vector<UserInfo>> users_by_ids(const std::vector<UserId>& ids) override;
  Duration pacing_wait() override;

  // At most this many pages of conversations are read for one marker check.
  static constexpr int kMaxConversationPages = 100;

  struct Answer {
    nlohmann::json body;    // {} when the answer had none
    bool has_next = false;  // a rel="next" Link
  };
  // Sends one request (GET, PUT or POST; `body` null for none) on the
  // client's connection and pacing: the parsed answer of a 2xx, else the
  // mapped Status with Freshdesk's words. For what HelpdeskApi does not
  // cover, such as `tierd setup` reading agents and automation rules.
  Result<Answer> call(const std::string& method, const std::string& path,
                      const nlohmann::json* body);

 private:
  const FreshdeskApiOptions options_;
  std::string authorization_;
  std::unique_ptr<httplib::Client> client_;  // serialises its own requests
};

}  // namespace tierd::freshdesk

namespace tierd {
using freshdesk::FreshdeskApiClient;
using freshdesk::FreshdeskApiOptions;
}  // namespace tierd
