// SimService: the simulated Zendesk account behind zendesk-sim's HTTP port.
//
// It answers the Zendesk API subset tierd uses (/api/v2/...), the control API
// for tests and the demo (/sim/...), and /healthz, as transport-free
// SimRequest -> SimResponse calls; sim/common/http_server.h adapts them to HTTP.
//
// Zendesk API (auth, rate limits and faults apply; ".json" suffix optional):
//   POST /tickets  GET|PUT /tickets/{id}  GET /tickets/{id}/comments
//   PUT|POST|DELETE /tickets/{id}/tags  PUT /tickets/update_many
//   GET /tickets/show_many?ids=          up to 100 ids; unknown ones left out
//   GET /job_statuses (cursor or offset paging)  GET /job_statuses/{id}
//   GET /job_statuses/show_many?ids=     results as documented: a success
//                                        {"id","index","action","success":true,
//                                        "status":"Updated"}, a failure {"id",
//                                        "index","error","details"}; kept an hour
//   GET /incremental/tickets/cursor
//   GET /users (role=)  GET /users/{id|me}  GET /users/show_many?ids=
//   GET /groups  GET /groups/{id}  GET /groups/{id}/memberships  GET /group_memberships
//   GET /tickets/{id}/comments (sort_order=)
//                                        lists page by cursor (page[size], page[after],
//                                        page[before]; meta.has_more, links.next) or,
//                                        without page[size], by offset (page, per_page)
//   GET|POST /webhooks                   list (filter[name_contains], page[size],
//                                        page[after]; meta.has_more/after_cursor,
//                                        links.next) | create -> 201 {"webhook"}
//   GET|PUT|PATCH|DELETE /webhooks/{id}  PUT/PATCH/DELETE answer 204; PUT replaces
//                                        (keeping subscriptions it leaves out),
//                                        PATCH changes only the fields it names
//   GET|POST /webhooks/{id}/signing_secret  show | reset -> {"signing_secret":
//                                        {"algorithm":"SHA256","secret"}}
//   GET|POST /ticket_fields  GET|PUT /ticket_fields/{id}   (cursor paging, or
//                                        every field in one answer; system fields
//                                        Subject..Assignee exist)
// Every event goes to --webhook-url (signed with --webhook-secret) and also to
// each active API-created webhook subscribed to its type, signed with that
// webhook's own secret.
// It owns the account state (guarded by one mutex), the rate limiters, the
// fault queue, the request log, a worker thread that runs update_many jobs
// and the webhook sender thread.
//
// Control API (no auth, no limits; answers JSON):
//   POST /sim/users|groups|memberships   seed ({"users":[...]}, one object, or an array)
//   POST /sim/tickets                    create as the requester -> 201 {"ticket"}
//   PUT  /sim/tickets/{id}               {"ticket":{...},"actor_id":N} change as that person
//                                        (-1: as the system, like an automation)
//   GET  /sim/tickets/{id}               {"ticket":{... "comments":[...]}}
//   POST|GET|DELETE /sim/faults          {"method","path_prefix","status","retry_after",
//                                        "delay_ms","drop_connection","drop_after_apply","count"}
//   POST /sim/token {"valid":bool}       DELETE /sim/rate_limits (reset the windows)
//   GET|DELETE /sim/requests             {"requests":[{seq,method,path,query,status,body?,time}]}
//   GET|DELETE /sim/webhooks             {"deliveries":[{event_id,type,ticket_id,invocation_id,
//                                        http_status,attempts,outcome,error}],"paused"}
//   POST /sim/webhooks/pause|resume
//   POST /sim/ticket_fields              seed one field ({"ticket_field":{...}} as
//                                        POST /api/v2/ticket_fields; "id" may be given)
//
// handle() may be called from many threads at once; it blocks for injected
// delays. start() and stop() are called by the owner's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/mutex.h"
#include "runtime/worker_thread.h"

#include "sim/common/fault_queue.h"
#include "sim/common/rate_limiter.h"
#include "sim/common/sim_http.h"
#include "sim/zendesk/auth.h"
#include "sim/zendesk/sim_model.h"
#include "sim/zendesk/ticket_change.h"
#include "sim/zendesk/webhook_events.h"
#include "sim/zendesk/webhook_sender.h"

namespace tierd::sim {

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  std::string email = "admin@example.com";
  std::string api_token = "sim-token";
  std::string oauth_token;  // "" = bearer tokens are refused
  std::string webhook_url;
  std::string webhook_secret;  // "" = Zendesk's static test secret
  EnumCase status_case = EnumCase::kUpper;
  EmptyId empty_id = EmptyId::kNull;  // how webhooks write an empty id
  int64_t account_id = 12514403;
  int account_limit_per_minute = 700;
  int update_limit_per_minute = 100;  // Update Ticket, per account
  int ticket_update_limit = 30;       // Update Ticket, per ticket per 10 minutes
  int export_limit_per_minute = 10;
  int export_exclusion_seconds = 60;
  int max_queued_jobs = 30;
  std::chrono::milliseconds job_delay{200};
  std::chrono::milliseconds webhook_timeout{10000};
  std::chrono::milliseconds webhook_retry_backoff{500};
  int http_threads = 32;
};

// The API user every authenticated request acts as.
inline constexpr int64_t kApiUserId = 400001;
// The actor of changes made by automations and triggers.
inline constexpr int64_t kSystemActorId = -1;
// An end user who requests control-API tickets that name no requester.
inline constexpr int64_t kDefaultRequesterId = 902001;

class SimService {
 public:
  explicit SimService(SimOptions options);
  ~SimService();
  SimService(const SimService&) = delete;
  SimService& operator=(const SimService&) = delete;

  // `base_url` ("http://127.0.0.1:PORT") is used in url fields. Starts the
  // job worker and the webhook sender.
  void start(const std::string& base_url);
  void stop();

  SimResponse handle(const SimRequest& request);

  // Control operations, also used by the demo driver in-process.
  SimResponse seed_users(const nlohmann::json& body);
  SimResponse seed_groups(const nlohmann::json& body);
  SimResponse seed_memberships(const nlohmann::json& body);
  SimResponse create_ticket_as_requester(const nlohmann::json& body);
  SimResponse update_ticket_as_agent(int64_t id, const nlohmann::json& body);
  SimResponse seed_ticket_fields(const nlohmann::json& body);

  const SimOptions& options() const { return options_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    std::string id;
    std::string status = "queued";  // "queued", "working", "completed"
    WriteForm form = WriteForm::kBulk;
    std::vector<std::pair<int64_t, nlohmann::json>> items;
    nlohmann::json results = nlohmann::json::array();
    int progress = 0;
    int64_t seq = 0;            // creation order
    Clock::time_point runs_at;  // accepted + job_delay
    Instant created_at;
    std::optional<Instant> completed_at;
  };

  SimResponse handle_api(const SimRequest& request, const std::string& path);
  SimResponse route_api(const SimRequest& request, const std::vector<std::string>& parts);
  SimResponse handle_control(const SimRequest& request, const std::string& path);

  // API handlers (api_routes.cpp).
  SimResponse api_get_ticket(int64_t id);
  SimResponse api_show_many_tickets(const SimRequest& request);
  SimResponse api_create_ticket(const nlohmann::json& body);
  SimResponse api_update_ticket(int64_t id, const nlohmann::json& body);
  SimResponse api_comments(int64_t id, const SimRequest& request);
  SimResponse api_tags(int64_t id, const std::string& method, const nlohmann::json& body);
  SimResponse api_export(const SimRequest& request);
  SimResponse api_users(const std::vector<std::string>& parts, const SimRequest& request);
  SimResponse api_groups(const std::vector<std::string>& parts, const SimRequest& request);
  // The group memberships (of `group`, or all), one page of them.
  SimResponse memberships_locked(std::optional<int64_t> group, const SimRequest& request,
                                 const std::string& url) const REQUIRES(mutex_);
  // Bulk updates and their job statuses (job_routes.cpp).
  SimResponse api_update_many(const SimRequest& request, const nlohmann::json& body)
      EXCLUDES(mutex_);
  SimResponse api_job_statuses(const SimRequest& request, const std::vector<std::string>& parts)
      EXCLUDES(mutex_);
  // Account admin (account_admin_routes.cpp).
  SimResponse api_webhooks(const SimRequest& request, const std::vector<std::string>& parts,
                           const nlohmann::json& body);
  SimResponse api_ticket_fields(const SimRequest& request, const std::vector<std::string>& parts,
                                const nlohmann::json& body);
  // `id` nullopt: the next free id.
  SimResponse create_ticket_field_locked(const nlohmann::json& body, std::optional<int64_t> id)
      REQUIRES(mutex_);

  // Stores events for a change.
  void emit_events_locked(int64_t ticket_id, const TicketChanges& changes, int64_t actor_id)
      REQUIRES(mutex_);
  nlohmann::json job_json_locked(const Job& job) const REQUIRES(mutex_);
  // Forgets jobs older than Zendesk keeps them.
  void expire_jobs_locked() REQUIRES(mutex_);
  void run_jobs();
  // Runs the oldest queued job; false when there was none.
  bool run_next_job() EXCLUDES(mutex_);
  void record_request(const SimRequest& request, int status) EXCLUDES(mutex_);
  Instant now() const;

  // Set at construction.
  const SimOptions options_;
  const Credentials base_credentials_;

  RateLimiter account_limiter_;
  RateLimiter update_limiter_;
  RateLimiter ticket_update_limiter_;
  RateLimiter export_limiter_;
  FaultQueue faults_;
  WebhookSender webhooks_;

  mutable Mutex mutex_;
  std::string base_url_ GUARDED_BY(mutex_);
  SimState state_ GUARDED_BY(mutex_);
  bool token_valid_ GUARDED_BY(mutex_) = true;
  std::mt19937_64 rng_ GUARDED_BY(mutex_);
  std::map<std::string, Job> jobs_ GUARDED_BY(mutex_);
  std::deque<std::string> job_queue_ GUARDED_BY(mutex_);
  int64_t next_job_seq_ GUARDED_BY(mutex_) = 1;
  nlohmann::json request_log_ GUARDED_BY(mutex_) = nlohmann::json::array();
  int64_t next_request_seq_ GUARDED_BY(mutex_) = 1;

  // Last: it runs the bulk jobs on the members above, so it stops before they go.
  WorkerThread job_worker_;
};

}  // namespace tierd::sim
