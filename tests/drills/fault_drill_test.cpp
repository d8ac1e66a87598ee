// Vendor fault drills: the simulator's fault injection (POST /sim/faults) and
// token control (POST /sim/token) play the helpdesk misbehaving while tickets
// escalate, and each drill checks one expected outcome against the
// simulator's own request log and tickets:
//   429 storm     writes wait for Retry-After; none lost, none twice
//   5xx burst     retried with back-off until the write lands once
//   slow answer   past zendesk.timeout: the marker is checked, no second note
//   dropped conn  retried; the write lands once
//   409           the ticket is re-read and decided again
//   401           writing stops with an alert, the outbox is kept, writing
//                 resumes when the token works again
//   other 4xx     the write is dead-lettered and counted; nothing retries it
//   Team plan     a storm against 200 requests/min: tierd follows the limit
//                 the headers report, with at most a handful of 429s
//   mixed storm   all of the above in a row, still one write per escalation
// The 429, 5xx and mixed storms run against zendesk-sim and freshdesk-sim
// alike (both take faults on PUT /api/v2/tickets/{id}); the rest are
// Zendesk's.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "drills/crash_support.h"
#include "support/any_vendor.h"
#include "support/live_stack.h"

using namespace tierd::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr int64_t kTier1Group = 114001;
constexpr int64_t kTier2Group = 114002;

// Two tiers; tier 1's clock runs out after `budget`. The at-risk mark falls
// just before the escalation.
LiveStackOptions two_tiers(const std::string& budget, Vendor vendor = Vendor::kZendesk) {
  LiveStackOptions options;
  options.vendor = vendor;
  options.tiers = json::array({{{"name", "tier1"},
                                {"groups", {kTier1Group}},
                                {"escalate_after", budget},
                                {"at_risk_share", 0.99}},
                               {{"name", "tier2"}, {"groups", {kTier2Group}}}});
  return options;
}

std::vector<int64_t> create_tickets(LiveStack& stack, int n, const std::string& subject) {
  std::vector<int64_t> ids;
  for (int i = 0; i < n; ++i) {
    ids.push_back(stack.create_ticket({{"subject", subject + " " + std::to_string(i)},
                                       {"group_id", kTier1Group},
                                       {"status", "open"}}));
  }
  return ids;
}

void require_all_escalated(LiveStack& stack, const std::vector<int64_t>& ids,
                           std::chrono::seconds timeout) {
  for (int64_t id : ids) {
    INFO("ticket " << id << "\ntierd log:\n" << stack.tierd_log());
    REQUIRE(LiveStack::eventually([&] { return group_of(stack, id) == kTier2Group; }, timeout));
  }
}

// One note for the single escalation, and no marker twice.
void check_one_note_each(LiveStack& stack, const std::vector<int64_t>& ids) {
  for (int64_t id : ids) {
    INFO("ticket " << id);
    auto notes = stack.tierd_notes(id);
    CHECK(notes.size() == 1);
    CHECK(count_containing(notes, "from tier1 to tier2") == 1);
    auto keys = note_keys(notes);
    CHECK(std::set<std::string>(keys.begin(), keys.end()).size() == keys.size());
  }
}

bool faults_used_up(LiveStack& stack) {
  return stack.sim("GET", "/sim/faults").at("faults").empty();
}

int64_t pending_outbox(LiveStack& stack) {
  return outbox_states(store_path(stack))["pending"];
}

void put_faults(LiveStack& stack, const json& faults) {
  stack.sim("POST", "/sim/faults", {{"faults", faults}});
}

}  // namespace

TEST_CASE(
    "fault drill: a 429 storm with Retry-After makes writes wait, losing none and doubling none",
    "[integration][faults][drill]") {
  LiveStack stack(two_tiers("1s", any_vendor()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  put_faults(stack, json::array({{{"method", "PUT"},
                                  {"path_prefix", "/api/v2/tickets"},
                                  {"status", 429},
                                  {"retry_after", 1},
                                  {"count", 4}}}));
  auto ids = create_tickets(stack, 10, "storm");
  require_all_escalated(stack, ids, 40s);
  std::this_thread::sleep_for(1s);  // retries still queued would show now
  CHECK(faults_used_up(stack));
  check_one_note_each(stack, ids);

  // After each 429 the next write came no sooner than Retry-After allows
  // (the log has millisecond times; 100 ms of slack for the clock reads).
  const json log = sim_requests(stack);
  auto puts = requests_matching(log, "PUT", "/api/v2/tickets");
  int refused = 0;
  for (size_t i = 0; i < puts.size(); ++i) {
    if (puts[i].value("status", 0) != 429) continue;
    ++refused;
    if (i + 1 < puts.size()) {
      INFO("429 at " << puts[i].dump() << " then " << puts[i + 1].dump());
      CHECK(request_time_ms(puts[i + 1]) - request_time_ms(puts[i]) >= 900);
    }
  }
  CHECK(refused == 4);
  CHECK(scrape_metric(stack.tierd_port(), "tierd_rate_limit_waits_total").value_or(0) >= 1);
  CHECK(pending_outbox(stack) == 0);
}

TEST_CASE(
    "fault drill: a burst of 5xx answers is retried with back-off until each write lands once",
    "[integration][faults][drill]") {
  LiveStack stack(two_tiers("1s", any_vendor()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  put_faults(stack,
             json::array({{{"method", "PUT"}, {"path_prefix", "/api/v2/tickets"}, {"status", 500}},
                          {{"method", "PUT"}, {"path_prefix", "/api/v2/tickets"}, {"status", 502}},
                          {{"method", "PUT"},
                           {"path_prefix", "/api/v2/tickets"},
                           {"status", 503},
                           {"count", 2}}}));
  auto ids = create_tickets(stack, 3, "burst");
  require_all_escalated(stack, ids, 40s);
  std::this_thread::sleep_for(1s);
  CHECK(faults_used_up(stack));
  check_one_note_each(stack, ids);

  // Back-off: a ticket's next PUT after a 5xx waits at least half the base
  // delay of 1 s (the jitter never goes below half).
  const json log = sim_requests(stack);
  int failures = 0;
  for (int64_t id : ids) {
    std::vector<json> writes;
    for (const auto& r : requests_matching(log, "PUT", "/api/v2/tickets/")) {
      if (is_ticket_path(r.value("path", ""), id)) writes.push_back(r);
    }
    for (size_t i = 0; i + 1 < writes.size(); ++i) {
      if (writes[i].value("status", 0) < 500) continue;
      ++failures;
      INFO("ticket " << id << ": " << writes[i].dump() << " then " << writes[i + 1].dump());
      CHECK(request_time_ms(writes[i + 1]) - request_time_ms(writes[i]) >= 450);
    }
  }
  CHECK(failures == 4);
  CHECK(pending_outbox(stack) == 0);
}

TEST_CASE(
    "fault drill: an answer slower than the client timeout is checked by its marker, never written "
    "twice",
    "[integration][faults][drill]") {
  LiveStackOptions options = two_tiers("1h");
  options.extra_config = {{"zendesk", {{"timeout", "1s"}}}};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id =
      stack.create_ticket({{"subject", "slow"}, {"group_id", kTier1Group}, {"status", "open"}});
  std::this_thread::sleep_for(500ms);
  // The escalation PUT is answered after 2.5 s; the simulator applies it
  // then, long after tierd stopped waiting. The escalate tag makes the
  // escalation the ticket's first write.
  const std::string ticket_path = "/api/v2/tickets/" + std::to_string(id);
  put_faults(stack,
             json::array({{{"method", "PUT"}, {"path_prefix", ticket_path}, {"delay_ms", 2500}}}));
  stack.agent_update(id, {{"additional_tags", {"tierd_escalate"}}});
  require_all_escalated(stack, {id}, 20s);
  std::this_thread::sleep_for(4s);  // past the slow answer and any retry
  check_one_note_each(stack, {id});
  const json log = sim_requests(stack);
  // tierd waited for the slow request to land, found its marker and did not
  // send the write again.
  CHECK_FALSE(requests_matching(log, "GET", ticket_path + "/comments").empty());
  CHECK(requests_matching(log, "PUT", ticket_path).size() == 1);
  CHECK(stack.tierd_log().find("already applied (marker found)") != std::string::npos);
  CHECK(faults_used_up(stack));
  CHECK(stack.tierd_log().find("no answer within the timeout") != std::string::npos);
  CHECK(pending_outbox(stack) == 0);
}

TEST_CASE("fault drill: dropped connections are retried and the write lands once",
          "[integration][faults][drill]") {
  LiveStack stack(two_tiers("1s"));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  put_faults(stack, json::array({{{"method", "PUT"},
                                  {"path_prefix", "/api/v2/tickets"},
                                  {"drop_connection", true},
                                  {"count", 3}}}));
  auto ids = create_tickets(stack, 2, "dropped");
  require_all_escalated(stack, ids, 40s);
  std::this_thread::sleep_for(1s);
  CHECK(faults_used_up(stack));
  check_one_note_each(stack, ids);
  const json log = sim_requests(stack);
  CHECK(requests_matching(log, "PUT", "/api/v2/tickets", 0).size() == 3);  // recorded as dropped
  CHECK(pending_outbox(stack) == 0);
}

TEST_CASE("fault drill: a 409 from a concurrent edit makes tierd re-read and decide again",
          "[integration][faults][drill]") {
  LiveStack stack(two_tiers("1s"));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  put_faults(stack, json::array({{{"method", "PUT"},
                                  {"path_prefix", "/api/v2/tickets"},
                                  {"status", 409},
                                  {"count", 2}}}));
  int64_t id = stack.create_ticket(
      {{"subject", "collision"}, {"group_id", kTier1Group}, {"status", "open"}});
  require_all_escalated(stack, {id}, 15s);
  std::this_thread::sleep_for(1s);
  CHECK(faults_used_up(stack));
  check_one_note_each(stack, {id});
  // Each 409 was followed by a read of the ticket before the next write.
  const json log = sim_requests(stack);
  const std::string ticket_path = "/api/v2/tickets/" + std::to_string(id);
  int conflicts = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].value("method", "") != "PUT" || log[i].value("status", 0) != 409) continue;
    ++conflicts;
    bool reread = false;
    for (size_t j = i + 1; j < log.size(); ++j) {
      if (log[j].value("method", "") == "PUT") break;
      reread = reread || (log[j].value("method", "") == "GET" &&
                          is_ticket_path(log[j].value("path", ""), id));
    }
    INFO("409 at " << log[i].dump());
    CHECK(reread);
  }
  // The two injected ones, and any a stale updated_stamp earned on its own.
  CHECK(conflicts >= 2);
}

TEST_CASE("fault drill: an agent's edit racing tierd's write ends in a 409 and a fresh decision",
          "[integration][faults][drill]") {
  LiveStack stack(two_tiers("1s"));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id =
      stack.create_ticket({{"subject", "race"}, {"group_id", kTier1Group}, {"status", "open"}});
  // tierd's writes are held 1.5 s on the way in; meanwhile an agent moves
  // the ticket to tier 2 and tags it. The held write carries a stale
  // updated_stamp, so the helpdesk refuses it (409).
  put_faults(stack, json::array({{{"method", "PUT"},
                                  {"path_prefix", "/api/v2/tickets/" + std::to_string(id)},
                                  {"delay_ms", 1500},
                                  {"count", 1}}}));
  REQUIRE(LiveStack::eventually(
      [&] {
        return !requests_matching(sim_requests(stack), "PUT",
                                  "/api/v2/tickets/" + std::to_string(id))
                    .empty() ||
               faults_used_up(stack);
      },
      10s));
  std::this_thread::sleep_for(200ms);
  stack.agent_update(id, {{"group_id", kTier2Group}, {"additional_tags", {"agent_moved"}}}, 500121);
  std::this_thread::sleep_for(4s);
  const json t = stack.ticket(id);
  CHECK(t.at("group_id").get<int64_t>() == kTier2Group);
  CHECK(has_tag(t, "agent_moved"));  // tierd's re-decided write kept the agent's tag
  // The agent moved it: tierd escalates nothing, so it writes no note.
  CHECK(stack.tierd_notes(id).empty());
}

TEST_CASE(
    "fault drill: an expired token stops writing with an alert, keeps the outbox and resumes once "
    "valid",
    "[integration][faults][drill]") {
  LiveStack stack(two_tiers("1s"));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  stack.sim("POST", "/sim/token", {{"valid", false}});
  auto ids = create_tickets(stack, 3, "expired");
  REQUIRE(LiveStack::eventually(
      [&] {
        return stack.tierd_log().find("ALERT helpdesk credentials were refused") !=
               std::string::npos;
      },
      10s));
  std::this_thread::sleep_for(3s);  // clocks ran out meanwhile; nothing may be written
  for (int64_t id : ids) {
    INFO("ticket " << id);
    CHECK(group_of(stack, id) == kTier1Group);
  }
  // Writing stopped at the first refusal: later attempts are only probes of
  // the credentials (GET users/me), not writes.
  const json refused_log = sim_requests(stack);
  CHECK(requests_matching(refused_log, "PUT", "/api/v2/tickets", 401).size() == 1);
  CHECK_FALSE(requests_matching(refused_log, "GET", "/api/v2/users/me", 401).empty());
  // The writes wait in the outbox, visible to monitoring.
  CHECK(pending_outbox(stack) >= static_cast<int64_t>(ids.size()));
  REQUIRE(LiveStack::eventually(
      [&] { return scrape_metric(stack.tierd_port(), "tierd_outbox_depth").value_or(0) >= 1; },
      5s));

  stack.sim("POST", "/sim/token", {{"valid", true}});
  require_all_escalated(stack, ids, 40s);
  std::this_thread::sleep_for(1s);
  check_one_note_each(stack, ids);
  CHECK(stack.tierd_log().find("credentials work again") != std::string::npos);
  CHECK(pending_outbox(stack) == 0);
  CHECK(LiveStack::eventually(
      [&] { return scrape_metric(stack.tierd_port(), "tierd_outbox_depth").value_or(-1) == 0; },
      5s));
}

TEST_CASE("fault drill: a 422 answer dead-letters the escalation, counts it and does not retry it",
          "[integration][faults][drill]") {
  LiveStack stack(two_tiers("1s"));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  int64_t id =
      stack.create_ticket({{"subject", "invalid"}, {"group_id", kTier1Group}, {"status", "open"}});
  // Every write to the ticket is refused for good (as when the target group
  // no longer exists); more refusals are queued than tierd may use.
  const std::string ticket_path = "/api/v2/tickets/" + std::to_string(id);
  put_faults(
      stack,
      json::array(
          {{{"method", "PUT"}, {"path_prefix", ticket_path}, {"status", 422}, {"count", 20}}}));
  const std::string db = store_path(stack);
  REQUIRE(LiveStack::eventually(
      [&] {
        // The escalation is logged before its outbox record commits, so wait
        // for that record itself to be dead-lettered, not just any record.
        const auto kinds = outbox_kinds_in_state(db, "dead");
        return std::find(kinds.begin(), kinds.end(), "escalate") != kinds.end() &&
               outbox_states(db)["pending"] == 0;
      },
      10s));
  const size_t refused = requests_matching(sim_requests(stack), "PUT", ticket_path).size();
  CHECK(refused >= 1);
  CHECK(refused <= 2);  // the at-risk mark and the escalation, unless they went together
  std::this_thread::sleep_for(3s);  // a retry would come within the back-off
  CHECK(requests_matching(sim_requests(stack), "PUT", ticket_path).size() == refused);
  CHECK(group_of(stack, id) == kTier1Group);
  CHECK(stack.tierd_notes(id).empty());
  CHECK(scrape_metric(stack.tierd_port(), "tierd_dead_letters_total").value_or(0) >= 1);
  CHECK(stack.tierd_log().find("action=dead_letter") != std::string::npos);
  CHECK(pending_outbox(stack) == 0);
}

TEST_CASE(
    "fault drill: a mixed storm of 5xx, 429, a dropped connection and a slow answer ends in one "
    "write",
    "[integration][faults][drill]") {
  LiveStack stack(two_tiers("1s", any_vendor()));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  const json put = {{"method", "PUT"}, {"path_prefix", "/api/v2/tickets"}};
  auto fault = [&put](json extra) {
    json f = put;
    f.update(extra);
    return f;
  };
  put_faults(stack, json::array({fault({{"status", 503}, {"count", 2}}),
                                 fault({{"status", 429}, {"retry_after", 1}, {"count", 2}}),
                                 fault({{"drop_connection", true}}), fault({{"delay_ms", 3000}})}));
  int64_t id =
      stack.create_ticket({{"subject", "storm"}, {"group_id", kTier1Group}, {"status", "open"}});
  require_all_escalated(stack, {id}, 40s);
  std::this_thread::sleep_for(3s);  // retries that were still queued would show now
  CHECK(faults_used_up(stack));
  check_one_note_each(stack, {id});
  // The escalation, and the at-risk mark if it went alone.
  CHECK(successful_single_writes(sim_requests(stack), id) <= 2);
}

// tierd writes the whole tag list ("tags") guarded by safe_update, and
// updated_stamp has whole-second resolution. An agent's change made in the
// same second as the version tierd last saw, which tierd has not heard of
// yet (here: its webhook is held back), passes the stamp check and the tag is
// overwritten. The echo of tierd's write shows the tag removed, and tierd
// puts it back with a note.
TEST_CASE(
    "drill: an agent's tag added in the same second as tierd's last view survives tierd's next "
    "write",
    "[integration][faults][drill]") {
  LiveStack stack(two_tiers("2s"));
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  // Start just after a second boundary so the agent's change lands in the
  // same second as the creation tierd sees.
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() %
           1000;
  };
  while (now_ms() > 100) std::this_thread::sleep_for(5ms);
  int64_t id = stack.create_ticket(
      {{"subject", "same second"}, {"group_id", kTier1Group}, {"status", "open"}});
  REQUIRE(LiveStack::eventually([&] { return tally_deliveries(stack).pending == 0; }, 2s));
  stack.sim("POST", "/sim/webhooks/pause");
  stack.agent_update(id, {{"additional_tags", {"vip"}}});
  stack.sim("POST", "/sim/webhooks/resume");
  require_all_escalated(stack, {id}, 10s);
  CHECK(LiveStack::eventually([&] { return has_tag(stack.ticket(id), "vip"); }, 10s));
}

TEST_CASE(
    "fault drill: an escalation storm on Zendesk's Team plan follows the reported limit with at "
    "most a handful of 429s",
    "[integration][faults][drill]") {
  // TIERD_TEAM_STORM_TICKETS raises the count (bench/storm_bench.cpp times
  // 10,000); the default keeps the drill to seconds.
  const int n = env_int("TIERD_TEAM_STORM_TICKETS", 300);
  // Long enough for every ticket to be created first: the deadlines then run
  // out within the few seconds the creation took.
  LiveStackOptions options = two_tiers("15s");
  // Two storms: every ticket is marked at risk soon after its creation, and
  // escalated 15 s later.
  options.tiers[0]["at_risk_share"] = 0.02;
  // The account allows 200 requests a minute; tierd's config keeps the
  // default 700, so only the answers' headers tell it the real limit.
  options.sim_args = {"--rate-limit", "200"};
  LiveStack stack(options);
  stack.start_sim();
  stack.seed_org();
  stack.start_tierd();
  const auto started = std::chrono::steady_clock::now();
  auto ids = create_tickets(stack, n, "team plan");
  const auto created = std::chrono::steady_clock::now() - started;
  require_all_escalated(stack, ids, 120s);
  std::this_thread::sleep_for(1s);  // a write sent twice would show now
  check_one_note_each(stack, ids);

  const json log = sim_requests(stack);
  int too_many = 0;
  std::map<std::string, int> by_method;
  for (const auto& r : log) {
    if (r.value("status", 0) == 429) ++too_many;
    ++by_method[r.value("method", "")];
  }
  WARN("Team plan storm: " << n << " tickets created in "
                           << std::chrono::duration_cast<std::chrono::milliseconds>(created).count()
                           << " ms, " << log.size() << " API requests (GET " << by_method["GET"]
                           << ", PUT " << by_method["PUT"] << ", POST " << by_method["POST"]
                           << "), " << too_many << " answered 429");
  CHECK(too_many <= 5);
  CHECK(stack.tierd_log().find("event=rate_limit action=follow limit=200") != std::string::npos);
  CHECK(outbox_states(store_path(stack))["dead"] == 0);
  CHECK(scrape_metric(stack.tierd_port(), "tierd_dead_letters_total").value_or(0) == 0);
  CHECK(pending_outbox(stack) == 0);
}
