// ZendeskApiClient: HelpdeskApi over Zendesk's REST API (/api/v2).
//
// One keep-alive HTTP(S) connection (cpp-httplib, TCP_NODELAY, no
// redirects, connect/read/write timeouts = options.timeout). Requests are
// serialised on that connection, so the client is safe to call from several
// threads at once. Every request, pages of a list included, is paced by
// options.pacer, which also hears the rate-limit headers of every answer.
// Answers map to Status codes as helpdesk/helpdesk_api.h documents; a
// Retry-After header becomes Status::retry_after(). Credentials go only into
// the Authorization header and are never logged.
//
// parse_zendesk_ticket() maps the REST ticket shape (also used by the
// incremental export) to a TicketSnapshot.
#pragma once

#include <chrono>
#include <functional>
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
#include "helpdesk/http_status.h"
#include "helpdesk/request_pacer.h"

namespace httplib {
class Client;
}

namespace tierd::zendesk {

struct ZendeskApiOptions {
  std::string base_url;  // "https://acme.zendesk.com" (http:// for loopback tests)
  std::string email;
  std::string api_token;    // used when oauth_token is empty
  std::string oauth_token;  // "Bearer" auth when set
  Duration timeout = std::chrono::seconds(10);
  std::string ca_file;  // empty: the system CA store
  // Asked before every request and told what every answer said about the
  // account's limits; shared by every client of the account. Null: no pacing.
  RequestPacer* pacer = nullptr;
};

// Parses a REST ticket object. Ids may be numbers or numeric strings, enums
// any case. Returns InvalidArgument when the object has no usable id or a
// field has the wrong type.
Result<TicketSnapshot> parse_zendesk_ticket(const nlohmann::json& ticket);

// Parses a job_status object of the Job Statuses API. A result item is a
// success only when it says so ("success": true, or "status": "Updated"
// without an error); a documented failure ({"index", "id", "error",
// "details"}, no "success") and any shape not documented are failures.
Result<JobStatus> parse_job_status(const nlohmann::json& job);

// What an answer's headers say about the account's limits. Zendesk sends
// X-Rate-Limit and X-Rate-Limit-Remaining on every answer, and on Ticketing
// API answers also ratelimit-limit, ratelimit-remaining, ratelimit-reset
// (seconds) and, for some endpoints, their own
// "zendesk-ratelimit-<name>: total=100; remaining=99; resets=41". Names are
// matched in any case; a value that does not parse is left out.
RateLimitReport parse_rate_limit_headers(
    const std::vector<std::pair<std::string, std::string>>& headers, int http_status);

// helpdesk/http_status.h, shared with the other vendors' clients.
using ::tierd::status_from_http;

class ZendeskApiClient : public HelpdeskApi {
 public:
  explicit ZendeskApiClient(ZendeskApiOptions options);
  ~ZendeskApiClient() override;
  ZendeskApiClient(const ZendeskApiClient&) = delete;
  ZendeskApiClient& operator=(const ZendeskApiClient&) = delete;

  Result<TicketSnapshot> get_ticket(TicketId id) override;
  Result<TicketSnapshot> update_ticket(const TicketUpdate& update) override;
  Result<std::string> update_many(const std::vector<TicketUpdate>& updates) override;
  Result<JobStatus> job_status(const std::string& job_id) override;
  // GET /api/v2/job_statuses/show_many.json?ids=..., 30 ids per request.
  Result<std::vector<JobStatus>> job_statuses(const std::vector<std::string>& job_ids) override;
  // GET /api/v2/tickets/show_many.json?ids=..., 100 ids per request.
  size_t tickets_per_request() const override { return 100; }
  Result<std::vector<TicketSnapshot>> tickets_by_ids(const std::vector<TicketId>& ids) override;
  Result<bool> has_comment_containing(TicketId id, const std::string& marker) override;
  Result<ExportPage> export_tickets(const std::string& cursor, Instant start_time) override;
  Result<std::vector<GroupMember>> group_memberships(GroupId group) override;
  Result<UserInfo> current_user() override;
  // GET /api/v2/users/show_many.json?ids=..., 100 ids per request.
  Result<std::vector<UserInfo>> users_by_ids(const std::vector<UserId>& ids) override;
  Duration pacing_wait() override;

  // One request to any /api/v2 path, for callers beyond HelpdeskApi (account
  // administration). `method` is GET, POST, PUT, PATCH or DELETE; `body` may
  // be null.
  // Returns the parsed JSON answer of a 2xx ({} when it has no body), else the
  // Status status_from_http() maps the answer to (or Unavailable/
  // DeadlineExceeded for transport failures).
  Result<nlohmann::json> request(const std::string& method, const std::string& path,
                                 const nlohmann::json* body) {
    return call(method, path, body);
  }

  // Reads a list endpoint page by page with Zendesk's cursor paging
  // (page[size]=100, then links.next while meta.has_more), handing each item
  // of the answer's array `key` to `each` until it returns false. `path` may
  // carry a query already. At most kMaxListPages pages are read, so a
  // misbehaving answer cannot make the caller page forever. Returns the first
  // failed request's Status.
  static constexpr int kMaxListPages = 100;
  Status for_each_listed(const std::string& path, const std::string& key,
                         const std::function<bool(const nlohmann::json&)>& each);

 private:
  // Sends one request; returns the parsed JSON answer of a 2xx, else the
  // mapped Status.
  Result<nlohmann::json> call(const std::string& method, const std::string& path,
                              const nlohmann::json* body);

  // Set at construction.
  const ZendeskApiOptions options_;
  std::string authorization_;
  std::unique_ptr<httplib::Client> client_;  // serialises its own requests
};

}  // namespace tierd::zendesk

namespace tierd {
using zendesk::ZendeskApiClient;
using zendesk::ZendeskApiOptions;
}  // namespace tierd
