// LiveStack: a running helpdesk simulator (zendesk-sim or freshdesk-sim) and
// a running tierd wired together over loopback, for end-to-end tests. The
// simulator sends webhooks to tierd; tierd writes back through the
// simulator's API. Both are real processes; tierd's store is a real SQLite
// file in the stack's TempDir, or a fresh database on the test binary's
// PostgreSQL server when TIERD_TEST_STORE=postgres (support/store_backends.h).
//
// Each test builds the config it needs (tiers with budgets of seconds) with
// LiveStack::Options; sim(...) calls the simulator's control API.
//
// A scenario written once runs against both vendors: create_ticket(),
// agent_update() and ticket() speak Zendesk's field names and values
// (assignee_id, follower_ids, comments with "public", status "open",
// priority "normal"), which the stack translates to and from Freshdesk's
// (responder_id, watcher_ids, notes with "private", status 2, priority 2).
#pragma once

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/process_harness.h"

namespace tierd::testing {

enum class Vendor { kZendesk, kFreshdesk };
const char* vendor_name(Vendor vendor);

struct LiveStackOptions {
  Vendor vendor = Vendor::kZendesk;
  // The "tiers" array of the config.
  nlohmann::json tiers = nlohmann::json::parse(R"([
    {"name": "tier1", "groups": [114001], "escalate_after": "2s"},
    {"name": "tier2", "groups": [114002], "escalate_after": "3s"},
    {"name": "tier3", "groups": [114003]}])");
  nlohmann::json extra_config = nlohmann::json::object();  // merged into the config
  std::vector<std::string> sim_args;                       // extra simulator flags
  // Set: tierd's store is this PostgreSQL database instead of an SQLite file,
  // as one replica of a cluster (8 shards, 3 s leases).
  std::string postgres_url;
};

class LiveStack {
 public:
  explicit LiveStack(LiveStackOptions options = {});
  ~LiveStack();

  void start_sim();
  void start_tierd();             // waits for /healthz
  void stop_tierd(int signal);    // SIGTERM: clean; SIGKILL: crash
  void signal_tierd(int signal);  // e.g. SIGHUP: reload; does not wait
  bool tierd_running();
  std::string tierd_log() const;
  const std::string& config_path() const { return config_path_; }
  // The environment tierd is started with (the helpdesk token, the webhook
  // secret), for a test that starts tierd processes of its own.
  std::map<std::string, std::string> tierd_environment() const;
  // This stack's webhook signing secret. Each stack has its own, so that a
  // simulator of another test running at the same time, delivering to a port
  // this stack's tierd now listens on, is refused (401) instead of heard.
  const std::string& webhook_secret() const { return webhook_secret_; }
  int tierd_port() const { return tierd_port_; }

  // The simulator's control API; returns the parsed answer, throws on a
  // transport error or a status >= 300.
  nlohmann::json sim(const std::string& method, const std::string& path,
                     const nlohmann::json& body = nullptr);
  // Seeds the demo's groups and agents (114000-114009, agents 500120-500125, 500777).
  void seed_org();
  // Creates a ticket as a requester and returns its id.
  int64_t create_ticket(const nlohmann::json& fields);
  // Changes a ticket as a human agent (Freshdesk's simulator records no actor).
  // Zendesk's additional_tags and remove_tags become Freshdesk's whole list.
  void agent_update(int64_t id, const nlohmann::json& fields, int64_t agent = 500120);
  // The simulator's full view of a ticket (fields, comments, follower_ids),
  // in Zendesk's names for either vendor.
  nlohmann::json ticket(int64_t id);
  Vendor vendor() const { return options_.vendor; }
  // The ticket's group id in the simulator, 0 when it has none.
  int64_t group_of(int64_t id);
  // Internal notes tierd wrote on the ticket (comments containing a tierd marker).
  std::vector<std::string> tierd_notes(int64_t id);

  // Polls `done` every 50 ms until it is true or `timeout` passes.
  static bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout);

 private:
  LiveStackOptions options_;
  TempDir dir_;
  std::unique_ptr<Subprocess> sim_;
  std::unique_ptr<Subprocess> tierd_;
  int sim_port_ = 0;
  int tierd_port_ = 0;
  std::string config_path_;
  int tierd_starts_ = 0;
  std::string webhook_secret_;
};

}  // namespace tierd::testing
