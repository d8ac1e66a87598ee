// The escalation storm's set-up, shared by storm_bench (one process draining
// the storm through Engine + OutboxSender) and replica_bench (`tierd serve`
// replicas draining it from one PostgreSQL store): the simulator as a child
// process, and N tickets created in tier 1 whose creation decide() has turned
// into a running 1 s clock committed to the store, as the engine would have.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/decide.h"
#include "core/ticket_state.h"
#include "core/ticket_summary.h"
#include "freshdesk/api_client.h"
#include "sim/common/sim_client.h"
#include "store/store.h"
#include "zendesk/api_client.h"

namespace tierd::bench {

using namespace std::chrono_literals;
using nlohmann::json;

enum class Vendor { kZendesk, kFreshdesk };

inline const char* sim_name(Vendor vendor) {
  return vendor == Vendor::kFreshdesk ? "freshdesk-sim" : "zendesk-sim";
}

constexpr GroupId kTier1Group = 114001;
constexpr GroupId kTier2Group = 114002;
constexpr const char* kToken = "bench-token";
constexpr const char* kEmail = "admin@example.com";

// Tier 1 (budget 1 s, no at-risk write before the escalation), tier 2.
inline Policy storm_policy() {
  Policy p;
  TierPolicy t1;
  t1.name = "tier1";
  t1.groups = {kTier1Group};
  t1.budget = 1s;
  t1.at_risk_share = 1.0;  // no separate at-risk write before the escalation
  TierPolicy t2;
  t2.name = "tier2";
  t2.groups = {kTier2Group};
  p.tiers = {t1, t2};
  return p;
}

class SimProcess {
 public:
  ~SimProcess() { stop(); }

  // Returns the port the simulator listens on, or nullopt (with a message on
  // stderr) when it could not be started.
  std::optional<int> start(Vendor vendor, const std::string& binary, const std::string& log_path,
                           int rate_limit) {
    std::vector<std::string> args = {binary, "--port", "0", "--rate-limit",
                                     std::to_string(rate_limit)};
    if (vendor == Vendor::kFreshdesk) {
      // No automation rule: the bench feeds the engine itself.
      args.insert(args.end(), {"--api-key", kToken});
    } else {
      // The Update Ticket limits are relaxed (the account limit is the
      // plan's); the sender keeps its own budgets regardless.
      args.insert(args.end(), {"--token", kToken});
      for (const char* flag : {"--update-rate-limit", "--ticket-update-limit"}) {
        args.push_back(flag);
        args.push_back("100000");
      }
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (::pipe(out) != 0) {
      std::perror("pipe");
      return std::nullopt;
    }
    pid_ = ::fork();
    if (pid_ < 0) {
      std::perror("fork");
      return std::nullopt;
    }
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      FILE* log = std::fopen(log_path.c_str(), "w");
      if (log) ::dup2(::fileno(log), STDERR_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      ::execv(binary.c_str(), argv.data());
      std::perror("execv");
      ::_exit(127);
    }
    ::close(out[1]);
    stdout_ = ::fdopen(out[0], "r");
    char line[512];
    const std::string prefix = std::string(sim_name(vendor)) + " listening on 127.0.0.1:";
    while (stdout_ && std::fgets(line, sizeof line, stdout_)) {
      std::string s(line);
      auto at = s.find(prefix);
      if (at != std::string::npos) return std::atoi(s.c_str() + at + prefix.size());
    }
    std::fprintf(stderr, "%s exited before printing its port (log: %s)\n", sim_name(vendor),
                 log_path.c_str());
    return std::nullopt;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (stdout_) {
      std::fclose(stdout_);
      stdout_ = nullptr;
    }
  }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
};

struct Seeded {
  std::vector<TicketId> ids;
  Instant last_deadline{};
};

// Creates `n` tickets in tier 1 and commits what decide() makes of their
// creation. Returns nullopt (with a message on stderr) on any failure.
// `due_at`: every clock stored as due then instead of at its budget's end (a
// storm due at one instant whenever the seeding ends); decide() at that time
// finds the budget run out all the same.
inline std::optional<Seeded> seed(Vendor vendor, sim::SimClient& control, Store& store,
                                  const Policy& policy, size_t n,
                                  std::optional<Instant> due_at = std::nullopt) {
  const json group_list = {{{"id", kTier1Group}}, {{"id", kTier2Group}}};
  auto groups = control.post(
      "/sim/groups", vendor == Vendor::kFreshdesk ? group_list : json{{"groups", group_list}});
  if (groups.status / 100 != 2) {
    std::fprintf(stderr, "seeding groups: HTTP %d %s\n", groups.status, groups.error.c_str());
    return std::nullopt;
  }
  Seeded out;
  std::vector<EngineCommit> batch;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    if (Status s = store.commit(batch); !s.ok()) {
      std::fprintf(stderr, "store commit: %s\n", s.to_string().c_str());
      return false;
    }
    batch.clear();
    return true;
  };
  for (size_t i = 0; i < n; ++i) {
    json body = {
        {"ticket",
         {{"subject", "Storm ticket " + std::to_string(i + 1)},
          {"group_id", kTier1Group},
          {"status", "open"},
          {"comment", {{"body", "The printer is on fire, ticket " + std::to_string(i + 1)}}}}}};
    if (vendor == Vendor::kFreshdesk) {
      // Freshdesk's fields: status 2 is Open.
      body = {{"subject", "Storm ticket " + std::to_string(i + 1)},
              {"group_id", kTier1Group},
              {"status", 2}};
    }
    auto created = control.post("/sim/tickets", body);
    const bool wrapped = vendor == Vendor::kZendesk;
    if (created.status != 201 || !created.body.is_object() ||
        (wrapped && !created.body.contains("ticket"))) {
      std::fprintf(stderr, "creating ticket %zu: HTTP %d %s\n", i + 1, created.status,
                   created.error.c_str());
      return std::nullopt;
    }
    auto snapshot = wrapped ? zendesk::parse_zendesk_ticket(created.body["ticket"])
                            : freshdesk::parse_freshdesk_ticket(created.body);
    if (!snapshot.ok() || !snapshot->created_at) {
      std::fprintf(stderr, "parsing ticket %zu: %s\n", i + 1,
                   snapshot.ok() ? "no created_at" : snapshot.status().to_string().c_str());
      return std::nullopt;
    }
    TicketEvent e;
    e.event_id = "storm-created-" + std::to_string(snapshot->id);
    e.source = "api";
    e.type = "ticket.created";
    e.kind = EventKind::kCreated;
    e.ticket_id = snapshot->id;
    e.time = *snapshot->created_at;
    e.has_snapshot = true;
    e.ticket = *snapshot;
    Decision d = decide(TicketState{}, Input::Event(e), e.time, policy);
    if (!d.next_deadline || d.state.stay.tier != 0 || !d.writes.empty()) {
      std::fprintf(stderr, "ticket %lld: decide() did not start a tier-1 clock (%s)\n",
                   static_cast<long long>(snapshot->id), d.summary().c_str());
      return std::nullopt;
    }
    EngineCommit c;
    c.ticket_id = snapshot->id;
    c.state_json = to_json(d.state).dump();
    c.summary = summarise(d.state);
    c.deadline = due_at ? due_at : d.next_deadline;
    out.last_deadline = std::max(out.last_deadline, *c.deadline);
    out.ids.push_back(snapshot->id);
    batch.push_back(std::move(c));
    if (batch.size() == 1000 && !flush()) return std::nullopt;
  }
  if (!flush()) return std::nullopt;
  return out;
}

}  // namespace tierd::bench
