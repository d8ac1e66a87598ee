// The ticket summary columns on both stores: commit() keeps each summary with
// the state it came from, and for_each_clock_summary() lists what the engine
// reloads at start.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "store/store.h"
#include "support/must.h"
#include "support/store_backends.h"
#include "ticket_summary_fixtures.h"

using namespace tierd;
using tierd::testing::backend_names;
using tierd::testing::clock_summaries;
using tierd::testing::make_backend;
using tierd::testing::must;

namespace {

EngineCommit with_state(TicketId id, const TicketSummary& summary) {
  EngineCommit c;
  c.ticket_id = id;
  c.state_json = "{}";
  c.summary = summary;
  return c;
}

}  // namespace

TEST_CASE("clock summaries list the tickets with a deadline or a summary, in id order", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<EngineCommit> commits;
  commits.push_back(with_state(30, {.open_assignee = 7, .running_tier = 1}));
  commits.back().deadline = from_unix_ms(90'000);
  commits.push_back(with_state(10, {.running_tier = 0}));  // the last tier: no deadline
  commits.push_back(with_state(20, {.shadow_writes = true}));
  commits.push_back(with_state(40, {}));  // nothing to reload
  commits.push_back(with_state(50, {}));
  commits.back().deadline = from_unix_ms(60'000);
  must(store->commit(commits));

  auto rows = clock_summaries(*store);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].id == 10);
  CHECK_FALSE(rows[0].deadline.has_value());
  CHECK(rows[0].summary == TicketSummary{.running_tier = 0});
  CHECK(rows[1].id == 20);
  CHECK(rows[1].summary == TicketSummary{.shadow_writes = true});
  CHECK(rows[2].id == 30);
  CHECK(rows[2].deadline == from_unix_ms(90'000));
  CHECK(rows[2].summary == TicketSummary{.open_assignee = 7, .running_tier = 1});
  CHECK(rows[3].id == 50);
  CHECK(rows[3].deadline == from_unix_ms(60'000));
  CHECK(rows[3].summary == TicketSummary{});

  // The survivors after a reopen, as a restart sees them.
  store.reset();
  store = backend->open();
  CHECK(clock_summaries(*store).size() == 4);
}

TEST_CASE("a ticket's summary changes with its state and only with it", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();

  std::vector<EngineCommit> first = {with_state(1, {.open_assignee = 7, .running_tier = 0})};
  first[0].deadline = from_unix_ms(10'000);
  must(store->commit(first));

  // A new deadline without a new state keeps the summary.
  std::vector<EngineCommit> moved(1);
  moved[0].ticket_id = 1;
  moved[0].deadline = from_unix_ms(20'000);
  must(store->commit(moved));
  auto rows = clock_summaries(*store);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].deadline == from_unix_ms(20'000));
  CHECK(rows[0].summary == TicketSummary{.open_assignee = 7, .running_tier = 0});

  // A new state without touching the deadline replaces the summary.
  std::vector<EngineCommit> reassigned = {with_state(1, {.open_assignee = 8})};
  reassigned[0].set_deadline = false;
  must(store->commit(reassigned));
  rows = clock_summaries(*store);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].deadline == from_unix_ms(20'000));
  CHECK(rows[0].summary == TicketSummary{.open_assignee = 8});

  // Solved: no deadline, an empty summary; nothing left to reload.
  std::vector<EngineCommit> solved = {with_state(1, {})};
  must(store->commit(solved));
  CHECK(clock_summaries(*store).empty());

  // A deadline for a ticket never stored creates it with an empty summary.
  std::vector<EngineCommit> bare(1);
  bare[0].ticket_id = 2;
  bare[0].deadline = from_unix_ms(30'000);
  must(store->commit(bare));
  rows = clock_summaries(*store);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].id == 2);
  CHECK(rows[0].summary == TicketSummary{});
}

TEST_CASE("open tickets are counted per assignee across every ticket", "[store]") {
  auto name = GENERATE(from_range(backend_names()));
  INFO("backend " << name);
  auto backend = make_backend(name);
  auto store = backend->open();
  CHECK(must(store->open_tickets_per_assignee()).empty());

  std::vector<EngineCommit> commits;
  commits.push_back(with_state(1, {.open_assignee = 7, .running_tier = 0}));
  commits.push_back(with_state(2, {.open_assignee = 7}));
  commits.push_back(with_state(3, {.open_assignee = 9, .running_tier = 1}));
  commits.push_back(with_state(4, {.running_tier = 0}));  // nobody holds it
  must(store->commit(commits));
  CHECK(must(store->open_tickets_per_assignee()) == std::map<UserId, int64_t>{{7, 2}, {9, 1}});

  // Solved, or handed to someone else: the counts follow the summaries.
  std::vector<EngineCommit> later;
  later.push_back(with_state(2, {}));
  later.push_back(with_state(3, {.open_assignee = 7, .running_tier = 1}));
  must(store->commit(later));
  CHECK(must(store->open_tickets_per_assignee()) == std::map<UserId, int64_t>{{7, 2}});
}
