// Escalation storm (a plain program; prints its figures): N tickets whose
// tier-1 budget has run out by the time tierd starts, drained through the real
// Engine and OutboxSender to a zendesk-sim or freshdesk-sim child process.
//
//   1. starts the simulator (next to this binary) on a free port, seeds groups
//      114001 (tier 1) and 114002 (tier 2) and creates N open tickets in 114001;
//   2. runs decide() on each creation (budget 1 s) and commits the state and
//      deadline to a fresh SQLite store, as the engine would have;
//   3. waits until every deadline has passed, clears the simulator's request
//      log, starts Engine + OutboxSender and times the drain until the outbox
//      is empty, the engine idle and no clock left running;
//   4. counts the API requests the simulator received by endpoint (and its
//      429 answers) and checks every ticket through the control API: group
//      114002 and exactly one comment carrying a "[tierd ref " marker.
//
// The client paces itself with an AccountPacer (share 0.8) that learns the
// simulator's limit from its rate-limit headers, as `tierd serve` does. The
// floor printed is the drain time the account budget allows: one
// update_many per 100 tickets at 0.8 x the limit per minute, less the burst
// the budget allows once the limit is known (kAccountBurstSeconds' worth).
//
// Freshdesk: the writer is set up as `tierd serve` sets it up for Freshdesk
// (cli/helpdesk_connection.h: Growth's 200 requests and 80 ticket updates a
// minute x 0.8 until the headers say otherwise, every ticket sent alone), and
// the client's calls per ticket are counted by endpoint. Freshdesk's
// bulk_update can set the group of 100 tickets in one request but carries no
// note, and a note is one POST per ticket, so the floor printed is one note
// per ticket plus one bulk_update and at least one /jobs poll per 100
// tickets; the drain time floor is those calls at 0.8 x the account limit.
//
// Usage: storm_bench [zendesk|freshdesk] [N] [RATE_LIMIT] (defaults: zendesk,
// 10000 and the simulator's 700 a minute, 200 being Zendesk's Team plan;
// freshdesk, 200 and freshdesk-sim's 400 a minute, the Pro plan). Exit status
// 0 only when every check passed, with at most a handful (5) of 429 answers.
// The simulator's log goes to <tmpdir>/sim.log, kept on failure.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "cli/helpdesk_connection.h"
#include "core/decide.h"
#include "core/ticket_state.h"
#include "core/ticket_summary.h"
#include "engine/engine.h"
#include "engine/outbox_sender.h"
#include "engine/write_pacing.h"
#include "freshdesk/api_client.h"
#include "metrics/metrics.h"
#include "runtime/clock.h"
#include "sim/common/sim_client.h"
#include "store/sqlite/sqlite_store.h"
#include "storm_seed.h"
#include "zendesk/api_client.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using bench::kEmail;
using bench::kTier1Group;
using bench::kTier2Group;
using bench::kToken;
using bench::seed;
using bench::sim_name;
using bench::SimProcess;
using bench::storm_policy;
using bench::Vendor;

constexpr const char* kMarker = "[tierd ref ";
constexpr auto kDrainTimeout = 15min;
constexpr double kRateShare = 0.8;     // zendesk.rate_share's default
constexpr int64_t kHandfulOf429s = 5;  // more means the pacing is wrong

using Steady = std::chrono::steady_clock;

double seconds_since(Steady::time_point t0) {
  return std::chrono::duration<double>(Steady::now() - t0).count();
}

struct RequestCounts {
  std::map<std::string, int64_t> by_endpoint;  // update_many, job_statuses, single PUT, GET, other
  std::map<int, int64_t> by_status;
  std::map<TicketId, int> notes_sent;  // comments with the marker in update bodies, per ticket
  std::vector<size_t> job_sizes;       // tickets in each update_many request
  int64_t total = 0;
};

void count_note(RequestCounts& counts, const json& ticket, std::optional<TicketId> id) {
  if (!ticket.is_object() || !id) return;
  auto comment = ticket.find("comment");
  if (comment == ticket.end() || !comment->is_object()) return;
  auto body = comment->find("body");
  if (body != comment->end() && body->is_string() &&
      body->get<std::string>().find(kMarker) != std::string::npos) {
    ++counts.notes_sent[*id];
  }
}

RequestCounts count_requests(const json& requests) {
  RequestCounts counts;
  const std::string tickets = "/api/v2/tickets/";
  for (const auto& r : requests) {
    const std::string method = r.value("method", "");
    const std::string path = r.value("path", "");
    if (path.rfind("/api/v2/", 0) != 0) continue;
    ++counts.total;
    ++counts.by_status[r.value("status", 0)];
    std::string endpoint = "other";
    if (method == "PUT" && path == "/api/v2/tickets/update_many.json") {
      endpoint = "update_many";
      auto body = r.find("body");
      if (body != r.end() && body->is_object() && body->contains("tickets")) {
        counts.job_sizes.push_back((*body)["tickets"].size());
        for (const auto& t : (*body)["tickets"]) {
          std::optional<TicketId> id;
          if (t.contains("id") && t["id"].is_number_integer()) id = t["id"].get<TicketId>();
          count_note(counts, t, id);
        }
      }
    } else if (method == "GET" && path.rfind("/api/v2/job_statuses/", 0) == 0) {
      endpoint = "job_statuses";
    } else if (method == "PUT" && path.rfind(tickets, 0) == 0) {
      endpoint = "single PUT";
      std::optional<TicketId> id;
      try {
        id = std::stoll(path.substr(tickets.size()));
      } catch (const std::exception&) {
      }
      auto body = r.find("body");
      if (body != r.end() && body->is_object() && body->contains("ticket")) {
        count_note(counts, (*body)["ticket"], id);
      }
    } else if (method == "GET") {
      endpoint = "GET";
    }
    ++counts.by_endpoint[endpoint];
  }
  return counts;
}

// freshdesk-sim logs no bodies: a note is a POST /tickets/{id}/notes it
// answered 201, and the endpoint is told by the path.
RequestCounts count_freshdesk_requests(const json& requests) {
  RequestCounts counts;
  const std::string tickets = "/api/v2/tickets/";
  for (const auto& r : requests) {
    const std::string method = r.value("method", "");
    const std::string path = r.value("path", "");
    if (path.rfind("/api/v2/", 0) != 0) continue;
    ++counts.total;
    const int status = r.value("status", 0);
    ++counts.by_status[status];
    std::string endpoint = "other";
    std::optional<TicketId> id;
    std::string rest;
    if (path.rfind(tickets, 0) == 0) {
      size_t used = 0;
      try {
        id = std::stoll(path.substr(tickets.size()), &used);
      } catch (const std::exception&) {
      }
      if (id) rest = path.substr(tickets.size() + used);
    }
    if (method == "POST" && path == "/api/v2/tickets/bulk_update") {
      endpoint = "bulk_update";
    } else if (method == "GET" && path.rfind("/api/v2/jobs/", 0) == 0) {
      endpoint = "jobs";
    } else if (id && rest.empty()) {
      endpoint = method == "PUT" ? "PUT ticket" : method == "GET" ? "GET ticket" : "other";
    } else if (id && method == "POST" && rest == "/notes") {
      endpoint = "POST notes";
      if (status == 201) ++counts.notes_sent[*id];
    } else if (id && method == "POST" && rest == "/watch") {
      endpoint = "POST watch";
    } else if (id && method == "GET" && rest == "/conversations") {
      endpoint = "conversations";
    }
    ++counts.by_endpoint[endpoint];
  }
  return counts;
}

struct Verification {
  size_t checked = 0;
  size_t wrong_group = 0;
  size_t notes_not_one = 0;
  size_t unreadable = 0;
  int64_t notes_total = 0;
};

Verification verify_tickets(Vendor vendor, sim::SimClient& control,
                            const std::vector<TicketId>& ids) {
  Verification v;
  for (TicketId id : ids) {
    auto reply = control.get("/sim/tickets/" + std::to_string(id));
    ++v.checked;
    // zendesk-sim wraps the ticket and calls notes comments; freshdesk-sim
    // answers the ticket with its "notes".
    const bool wrapped = vendor == Vendor::kZendesk;
    if (reply.status != 200 || !reply.body.is_object() ||
        (wrapped && !reply.body.contains("ticket"))) {
      ++v.unreadable;
      continue;
    }
    const json& t = wrapped ? reply.body["ticket"] : reply.body;
    if (!t.contains("group_id") || !t["group_id"].is_number_integer() ||
        t["group_id"].get<GroupId>() != kTier2Group) {
      ++v.wrong_group;
    }
    int notes = 0;
    for (const auto& c : t.value(wrapped ? "comments" : "notes", json::array())) {
      if (c.contains("body") && c["body"].is_string() &&
          c["body"].get<std::string>().find(kMarker) != std::string::npos) {
        ++notes;
      }
    }
    v.notes_total += notes;
    if (notes != 1) ++v.notes_not_one;
  }
  return v;
}

// tierd's own view after the drain: every ticket in tier 2 with no write left
// unconfirmed. Returns the number of tickets that are not.
size_t unsettled_mirrors(Store& store) {
  size_t bad = 0;
  Status s = store.for_each_ticket([&](const TicketRow& row) {
    auto j = json::parse(row.state_json, nullptr, false);
    auto state = j.is_discarded() ? Result<TicketState>(Status::Internal("not JSON"))
                                  : ticket_state_from_json(j);
    if (!state.ok() || state->stay.tier != 1 || !state->pending.empty() || row.deadline) ++bad;
  });
  if (!s.ok()) {
    std::fprintf(stderr, "reading the mirrors: %s\n", s.to_string().c_str());
    return SIZE_MAX;
  }
  return bad;
}

int run(Vendor vendor, size_t n, int rate_limit, const std::string& sim_binary,
        const std::string& dir) {
  const bool freshdesk = vendor == Vendor::kFreshdesk;
  SimProcess sim_process;
  auto port = sim_process.start(vendor, sim_binary, dir + "/sim.log", rate_limit);
  if (!port) return 1;
  std::printf("%s on 127.0.0.1:%d (account limit %d/min%s)\n", sim_name(vendor), *port, rate_limit,
              freshdesk ? "" : "; Update Ticket limits relaxed");

  auto opened = open_sqlite_store(SqliteOptions{dir + "/storm.db", /*synchronous_full=*/true});
  if (!opened.ok()) {
    std::fprintf(stderr, "cannot open store: %s\n", opened.status().to_string().c_str());
    return 1;
  }
  std::unique_ptr<Store> store = std::move(opened).value();
  auto policy = std::make_shared<const Policy>(storm_policy());
  sim::SimClient control(*port);
  control.set_read_timeout_ms(60000);

  auto t_seed = Steady::now();
  auto seeded = seed(vendor, control, *store, *policy, n);
  if (!seeded) return 1;
  std::printf("seeded %zu tickets in group %lld with running 1 s clocks in %.1f s\n",
              seeded->ids.size(), static_cast<long long>(kTier1Group), seconds_since(t_seed));

  SystemClock clock;
  while (clock.now() <= seeded->last_deadline + 50ms) std::this_thread::sleep_for(20ms);
  auto cleared = control.del("/sim/requests");
  if (cleared.status != 200) {
    std::fprintf(stderr, "clearing the request log: HTTP %d\n", cleared.status);
    return 1;
  }

  Metrics metrics;
  const std::string base_url = "http://127.0.0.1:" + std::to_string(*port);
  // Zendesk: assumes the common 700 a minute until the simulator's headers
  // say; the sender's defaults (80/min updates, bulk from 8, 10 jobs in
  // flight).
  AccountPacer zendesk_pacer(kRateShare, 700);
  OutboxSenderOptions sender_options;
  std::unique_ptr<HelpdeskApi> api;
  // Freshdesk: the connection `tierd serve` makes for a "freshdesk" section.
  HelpdeskConnection connection;
  if (freshdesk) {
    Config config;
    config.helpdesk = HelpdeskVendor::kFreshdesk;
    config.freshdesk.base_url = base_url;
    Secrets secrets;
    secrets.freshdesk_api_key = kToken;
    connection = helpdesk_connection(config, secrets);
    api = connection.make_client();
    sender_options.updates_per_minute = connection.updates_per_minute;
    if (connection.bulk_threshold) sender_options.bulk_threshold = *connection.bulk_threshold;
  } else {
    ZendeskApiOptions api_options;
    api_options.pacer = &zendesk_pacer;
    api_options.base_url = base_url;
    api_options.email = kEmail;
    api_options.api_token = kToken;
    api = std::make_unique<ZendeskApiClient>(api_options);
  }
  AccountPacer& pacer = freshdesk ? *connection.pacer : zendesk_pacer;
  Engine engine(*store, clock, metrics, policy, EngineOptions{});
  OutboxSender sender(*store, *api, engine, clock, metrics, sender_options);
  engine.set_outbox_listener([&] { sender.wake(); });

  auto t0 = Steady::now();
  if (Status s = engine.start(); !s.ok()) {
    std::fprintf(stderr, "engine start: %s\n", s.to_string().c_str());
    return 1;
  }
  sender.start();
  prometheus::Counter& escalated = metrics.escalations("tier1", "tier2", "timer");
  std::optional<double> all_decided_s;
  bool drained = false;
  while (Steady::now() - t0 < kDrainTimeout) {
    std::this_thread::sleep_for(20ms);
    if (!all_decided_s && escalated.Value() >= static_cast<double>(n))
      all_decided_s = seconds_since(t0);
    auto depth = store->outbox_depth();
    if (depth.ok() && *depth == 0 && engine.idle() && engine.running_clocks() == 0 &&
        escalated.Value() >= static_cast<double>(n)) {
      drained = true;
      break;
    }
  }
  double drain_s = seconds_since(t0);
  sender.stop();
  engine.stop();
  if (!drained) {
    auto depth = store->outbox_depth();
    std::fprintf(stderr, "not drained after %.0f s: outbox depth %lld, running clocks %zu\n",
                 drain_s, static_cast<long long>(depth.ok() ? *depth : -1),
                 engine.running_clocks());
  }

  auto log = control.get("/sim/requests");
  if (log.status != 200 || !log.body.is_object()) {
    std::fprintf(stderr, "reading the request log: HTTP %d\n", log.status);
    return 1;
  }
  const json& requests = log.body["requests"];
  // The simulator keeps the last 20,000 entries; more means the counts are short.
  const bool log_complete = requests.size() < 20000;
  RequestCounts counts = freshdesk ? count_freshdesk_requests(requests) : count_requests(requests);

  auto t_verify = Steady::now();
  Verification v = verify_tickets(vendor, control, seeded->ids);
  size_t unsettled = unsettled_mirrors(*store);
  double verify_s = seconds_since(t_verify);

  auto per_ticket = [&](int64_t calls) {
    return static_cast<double>(calls) / static_cast<double>(n);
  };
  // The budget's floor: one update_many per 100 tickets at share x limit,
  // the first of them in the burst. Freshdesk: a note per ticket besides,
  // and a /jobs poll per bulk_update at the least (bulk_update answers only
  // a job id).
  const double jobs_needed = std::ceil(static_cast<double>(n) / 100.0);
  const double calls_needed = freshdesk ? static_cast<double>(n) + 2 * jobs_needed : jobs_needed;
  const double per_minute = kRateShare * rate_limit;
  const double burst = per_minute * kAccountBurstSeconds / 60.0;
  const double floor_s = std::max(0.0, calls_needed - burst) / per_minute * 60.0;
  const int64_t too_many = counts.by_status.count(429) ? counts.by_status.at(429) : 0;
  std::printf("\nescalation storm: %zu tickets due at once, account limit %d/min\n", n, rate_limit);
  std::printf("  drain time (engine start -> outbox empty, engine idle): %.1f s%s\n", drain_s,
              drained ? "" : " (TIMED OUT)");
  if (freshdesk) {
    // The client PUTs every ticket alone, so the writer's Update Ticket
    // budget (a sixth of a minute's worth in its burst; OutboxSender) bounds
    // the drain well before the account budget does. Whether Freshdesk counts
    // a bulk_update against that limit once or per ticket is not documented.
    const double updates = sender_options.updates_per_minute;
    const double update_burst = std::max(1.0, updates / 6);
    const double update_bound_s =
        std::max(0.0, static_cast<double>(n) - update_burst) / updates * 60.0;
    std::printf(
        "  update budget bound, one PUT per ticket: %zu PUTs, %.1f in the burst, then %.0f/min "
        "= %.1f s; drain / bound = %.2f\n",
        n, update_burst, updates, update_bound_s,
        update_bound_s > 0 ? drain_s / update_bound_s : 0.0);
    std::printf(
        "  API call floor (bulk_update cannot carry a note): %zu notes + %.0f bulk_update + %.0f "
        "/jobs polls = %.0f calls, %.4f per escalated ticket\n",
        n, jobs_needed, jobs_needed, calls_needed, calls_needed / static_cast<double>(n));
  }
  std::printf(
      "  rate-limit floor: %.0f %s, %.0f of them in the burst, then %.0f/min (%.1f x %d) "
      "= %.1f s; drain / floor = %.2f\n",
      calls_needed, freshdesk ? "calls" : "update_many", std::min(burst, calls_needed), per_minute,
      kRateShare, rate_limit, floor_s, floor_s > 0 ? drain_s / floor_s : 0.0);
  std::printf("  429 answers: %lld (at most %lld allowed); limit learned from the headers: %s\n",
              static_cast<long long>(too_many), static_cast<long long>(kHandfulOf429s),
              pacer.reported_limit() ? std::to_string(*pacer.reported_limit()).c_str() : "none");
  if (all_decided_s)
    std::printf("  all %zu escalations decided and queued after: %.2f s\n", n, *all_decided_s);
  std::printf("  API requests received by the simulator: %lld (%.4f per escalated ticket)%s\n",
              static_cast<long long>(counts.total), per_ticket(counts.total),
              log_complete ? "" : " (LOG TRUNCATED: counts are a lower bound)");
  const std::vector<const char*> endpoints =
      freshdesk
          ? std::vector<const char*>{"GET ticket",    "PUT ticket",  "POST notes", "POST watch",
                                     "conversations", "bulk_update", "jobs",       "other"}
          : std::vector<const char*>{"update_many", "job_statuses", "single PUT", "GET", "other"};
  for (const char* e : endpoints) {
    int64_t c = counts.by_endpoint.count(e) ? counts.by_endpoint.at(e) : 0;
    std::printf("    %-13s %7lld  (%.4f per ticket)\n", e, static_cast<long long>(c),
                per_ticket(c));
  }
  if (!counts.job_sizes.empty()) {
    auto [lo, hi] = std::minmax_element(counts.job_sizes.begin(), counts.job_sizes.end());
    size_t sum = 0, partial = 0;
    for (size_t s : counts.job_sizes) {
      sum += s;
      if (s < 100) ++partial;
    }
    std::printf(
        "  tickets per update_many: min %zu, mean %.1f, max %zu; %zu of %zu jobs under 100\n", *lo,
        static_cast<double>(sum) / static_cast<double>(counts.job_sizes.size()), *hi, partial,
        counts.job_sizes.size());
  }
  std::printf("  answers by HTTP status:");
  for (const auto& [status, c] : counts.by_status)
    std::printf(" %d x%lld", status, static_cast<long long>(c));
  std::printf("\n  sender: rate-limit waits %.0f, dead letters %.0f\n",
              metrics.rate_limit_waits().Value(), metrics.dead_letters().Value());
  size_t sent_not_one = 0;
  int64_t notes_sent = 0;
  for (TicketId id : seeded->ids) {
    auto it = counts.notes_sent.find(id);
    int c = it == counts.notes_sent.end() ? 0 : it->second;
    notes_sent += c;
    if (c != 1) ++sent_not_one;
  }
  std::printf("  tierd notes %s: %lld; tickets sent other than exactly one: %zu\n",
              freshdesk ? "created (POST notes answered 201)" : "in update bodies",
              static_cast<long long>(notes_sent), sent_not_one);
  if (freshdesk) {
    const double calls = per_ticket(counts.total);
    std::printf("  API calls per escalated ticket: %.4f against the floor's %.4f (x%.2f)\n", calls,
                calls_needed / static_cast<double>(n),
                calls / (calls_needed / static_cast<double>(n)));
  }
  std::printf(
      "  verified all %zu tickets via GET /sim/tickets/{id} in %.1f s: not in group %lld: %zu, "
      "tierd notes != 1: %zu, unreadable: %zu (tierd notes in total: %lld)\n",
      v.checked, verify_s, static_cast<long long>(kTier2Group), v.wrong_group, v.notes_not_one,
      v.unreadable, static_cast<long long>(v.notes_total));
  std::printf("  tierd mirrors not settled in tier 2 (pending writes or a deadline left): %zu\n",
              unsettled);

  const bool ok = drained && log_complete && v.checked == n && v.wrong_group == 0 &&
                  v.notes_not_one == 0 && v.unreadable == 0 && sent_not_one == 0 &&
                  unsettled == 0 && metrics.dead_letters().Value() == 0 &&
                  too_many <= kHandfulOf429s;
  std::printf("  result: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // The engine and sender log a line per ticket at info level.
  spdlog::set_level(spdlog::level::warn);
  Vendor vendor = Vendor::kZendesk;
  int arg = 1;
  if (argc > 1 &&
      (std::strcmp(argv[1], "zendesk") == 0 || std::strcmp(argv[1], "freshdesk") == 0)) {
    if (std::strcmp(argv[1], "freshdesk") == 0) vendor = Vendor::kFreshdesk;
    ++arg;
  }
  const bool freshdesk = vendor == Vendor::kFreshdesk;
  size_t n = argc > arg ? std::stoul(argv[arg]) : (freshdesk ? 200 : 10000);
  int rate_limit = argc > arg + 1 ? std::stoi(argv[arg + 1]) : (freshdesk ? 400 : 700);
  if (n == 0 || rate_limit <= 0) {
    std::fprintf(stderr, "usage: storm_bench [zendesk|freshdesk] [N] [RATE_LIMIT]\n");
    return 2;
  }
  const std::filesystem::path self = std::filesystem::absolute(argv[0]);
  const std::string sim_binary = (self.parent_path() / sim_name(vendor)).string();
  if (!std::filesystem::exists(sim_binary)) {
    std::fprintf(stderr, "%s not found: build the %s target\n", sim_binary.c_str(),
                 sim_name(vendor));
    return 2;
  }
  std::string dir =
      (std::filesystem::temp_directory_path() / ("tierd-storm-" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(dir);
  int rc = run(vendor, n, rate_limit, sim_binary, dir);
  if (rc == 0) {
    std::filesystem::remove_all(dir);
  } else {
    std::fprintf(stderr, "kept %s for inspection\n", dir.c_str());
  }
  return rc;
}
