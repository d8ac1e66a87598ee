// FreshdeskService: the simulated Freshdesk account behind freshdesk-sim's
// HTTP port. It answers the part of Freshdesk's API v2 that tierd uses, the
// control API for tests (/sim/...) and /healthz, as transport-free
// SimRequest -> SimResponse calls (sim/common/http_server.h serves them).
//
// Freshdesk API (auth, rate limit and faults apply):
//   GET|PUT /api/v2/tickets/{id}         PUT: partial update, tags replace the
//                                        list; 400 {"description":"Validation
//                                        failed","errors":[{field,message,code}]}
//   GET /api/v2/tickets                  updated_since, order_by (created_at|
//                                        updated_at|status), order_type (default
//                                        desc); without updated_since only tickets
//                                        created in the last 30 days
//   POST /api/v2/tickets/{id}/notes      -> 201 + Location, the note
//   GET /api/v2/tickets/{id}/conversations
//   GET /api/v2/tickets/{id}/watchers    {"watcher_ids":[...]}
//   POST /api/v2/tickets/{id}/watch      {"user_id"} (default: the key's agent) -> 204
//   PUT /api/v2/tickets/{id}/unwatch     the key's agent -> 204
//   POST /api/v2/tickets/bulk_update     {"bulk_action":{"ids","properties"}}
//                                        -> 202 {"job_id","href"}
//   GET /api/v2/jobs/{id}                {"id","name","status":"IN PROGRESS"|
//                                        "COMPLETED","progress","data":[{"id",
//                                        "success","errors"?}]}
//   GET /api/v2/agents  GET /api/v2/agents/me|{id}
//   GET /api/v2/groups (no agent_ids)  GET /api/v2/groups/{id}
//   GET|POST /api/v2/automations/{1|4}/rules, GET|PUT|DELETE .../rules/{id}
//                                        see sim/freshdesk/automation_rules.h;
//                                        the active rules' trigger_webhook
//                                        actions fire on creations and updates
// Lists page with page (1-based) and per_page (default 30, at most 100; more
// is a 400), and a `link: <url>; rel="next"` header while there is a next
// page; the ticket list stops at page 300.
// Every API request, refused ones included, and every webhook delivery draws
// one credit from the account's per-minute budget; answers carry
// X-RateLimit-Total, -Remaining and -Used-CurrentRequest, and a spent
// budget answers 429 with Retry-After (seconds). Updates of one ticket
// (PUT /tickets/{id}) also draw from the plan's Update Ticket limit, which
// answers 429 the same way when spent.
// Auth: Basic with the API key as user name and any password ("X" by
// convention); otherwise 401. Bodies must be application/json (415).
//
// Assumed (not documented): the 401/404/415/429 bodies ({"code","message"}),
// the job's final status and per-ticket results, the 400 for page > 300.
//
// Control API (no auth, no limits):
//   POST /sim/agents|groups              seed one object or an array
//   POST /sim/tickets                    create -> 201 ticket; fires the creation rule
//   PUT  /sim/tickets/{id}[?agent_id=N]  change as agent N (default: one not named) in the
//                                        UI (the fields of PUT /api/v2/tickets/{id});
//                                        fires the update rules
//   GET  /sim/tickets/{id}               the ticket with "notes" and "watcher_ids"
//   POST|GET|DELETE /sim/faults          see sim/common/fault_queue.h; POST takes one
//                                        fault or {"faults":[...]}
//   DELETE /sim/rate_limits              empty the window
//   GET|DELETE /sim/webhooks             {"deliveries":[...]}
//   POST /sim/webhooks/pause|resume      paused: deliveries are dropped (lost webhooks)
//   GET|DELETE /sim/requests             {"requests":[{method,path,query,status,time}]},
//                                        time with milliseconds
//
// handle() may be called from many threads at once; it blocks for injected
// delays. start() and stop() are called by the owner's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/mutex.h"
#include "runtime/worker_thread.h"
#include "sim/common/fault_queue.h"
#include "sim/common/rate_limiter.h"
#include "sim/common/sim_http.h"
#include "sim/freshdesk/account.h"
#include "sim/freshdesk/webhook_rule.h"

namespace tierd::sim::freshdesk {

struct FreshdeskOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  std::string api_key = "sim-api-key";
  int rate_limit_per_minute = 400;    // Pro plan
  int update_limit_per_minute = 160;  // Pro plan's Update Ticket limit
  std::chrono::milliseconds job_delay{200};
  WebhookRuleOptions webhook;
  int http_threads = 32;
};

// The agent the API key belongs to (GET /agents/me).
inline constexpr int64_t kApiAgentId = 43000000001;
inline constexpr int64_t kDefaultRequesterId = 50000000001;

class FreshdeskService {
 public:
  explicit FreshdeskService(FreshdeskOptions options);
  ~FreshdeskService();
  FreshdeskService(const FreshdeskService&) = delete;
  FreshdeskService& operator=(const FreshdeskService&) = delete;

  // `base_url` ("http://127.0.0.1:PORT") is used in links and hrefs.
  void start(const std::string& base_url) EXCLUDES(mutex_);
  void stop();

  SimResponse handle(const SimRequest& request);

 private:
  struct Job {
    std::string id;
    std::vector<int64_t> ids;
    nlohmann::json properties;
    std::string status = "IN PROGRESS";
    nlohmann::json data = nlohmann::json::array();
    Instant created_at{};
    Instant updated_at{};
    Instant runs_at{};  // on job_worker_'s clock
  };

  SimResponse handle_api(const SimRequest& request);
  SimResponse route_api(const SimRequest& request, const std::vector<std::string>& parts)
      EXCLUDES(mutex_);
  SimResponse handle_control(const SimRequest& request) EXCLUDES(mutex_);

  // `performer`: the agent making the change (0: one not named).
  SimResponse update_ticket(int64_t id, const nlohmann::json& body, int64_t performer)
      EXCLUDES(mutex_);
  SimResponse automations(const SimRequest& request, const std::vector<std::string>& parts,
                          const nlohmann::json& body) EXCLUDES(mutex_);
  // Queues the webhooks of the API-created rules a creation or update fires.
  void fire_rules(const Ticket& ticket, const std::vector<FieldChange>* changes, int64_t performer)
      REQUIRES(mutex_);
  SimResponse create_note(int64_t id, const nlohmann::json& body) EXCLUDES(mutex_);
  SimResponse list_tickets(const SimRequest& request) EXCLUDES(mutex_);
  SimResponse bulk_update(const nlohmann::json& body) EXCLUDES(mutex_);
  SimResponse create_ticket(const nlohmann::json& body) EXCLUDES(mutex_);
  SimResponse seed(const std::string& kind, const nlohmann::json& body) EXCLUDES(mutex_);

  void run_jobs();
  void record_request(const SimRequest& request, int status) EXCLUDES(mutex_);
  Instant now() const;

  // Set at construction.
  const FreshdeskOptions options_;

  RateLimiter limiter_;
  RateLimiter update_limiter_;
  FaultQueue faults_;
  WebhookRuleSender webhooks_;

  mutable Mutex mutex_;
  std::string base_url_ GUARDED_BY(mutex_);
  Account account_ GUARDED_BY(mutex_);
  std::map<std::string, Job> jobs_ GUARDED_BY(mutex_);
  // Automation rules created through the API: type -> id -> rule.
  std::map<int, std::map<int64_t, nlohmann::json>> rules_ GUARDED_BY(mutex_);
  int64_t next_rule_id_ GUARDED_BY(mutex_) = 1;
  int64_t next_job_ GUARDED_BY(mutex_) = 1;
  nlohmann::json request_log_ GUARDED_BY(mutex_) = nlohmann::json::array();

  // Last: it runs the bulk jobs on the members above, so it stops before they go.
  WorkerThread job_worker_;
};

}  // namespace tierd::sim::freshdesk
