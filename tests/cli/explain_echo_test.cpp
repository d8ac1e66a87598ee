// `tierd explain` on a store holding the audit trail of an escalation whose
// write the helpdesk echoed back as three webhooks: the echo reads as one
// line, while an agent's genuinely out-of-date event keeps its own.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "cli/cli_run.h"
#include "store/sqlite/sqlite_store.h"
#include "support/must.h"

using namespace tierd;
using namespace tierd::testing;
using nlohmann::json;

namespace {

constexpr TicketId kTicket = 7;
constexpr int64_t kTierdUser = 400001;
constexpr int64_t kAgent = 500120;

AuditRecord record(const std::string& at, const std::string& kind, const std::string& event_id,
                   const json& detail) {
  return {0, kTicket, must(parse_instant(at)), kind, event_id, detail.dump()};
}

// A webhook that decide() ignored as out of date: its "event" and
// "stale_ignored" records, as the engine writes them.
void ignored_event(std::vector<AuditRecord>& audit, const std::string& at, const std::string& id,
                   const std::string& type, int64_t actor, const std::string& updated_at,
                   const std::string& known) {
  audit.push_back(record(at, "event", id,
                         {{"type", "zen:event-type:ticket." + type},
                          {"actor", actor},
                          {"status", "open"},
                          {"group", 114002},
                          {"updated_at", updated_at}}));
  audit.push_back(
      record(at, "stale_ignored", id, {{"updated_at", updated_at}, {"known_updated_at", known}}));
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("explain folds the helpdesk's echoes of tierd's write into one line", "[cli][explain]") {
  TempDir dir;
  const std::string db = dir.file("tierd.db");
  const std::string written = "2026-11-25T11:01:22Z";
  std::vector<AuditRecord> audit = {
      record("2026-11-25T11:01:07.850Z", "event", "e1",
             {{"type", "zen:event-type:ticket.created"},
              {"actor", kAgent},
              {"status", "new"},
              {"group", 114001}}),
      record("2026-11-25T11:01:07.850Z", "tier_entered", "e1",
             {{"tier", "tier1"}, {"how", "created"}}),
      record("2026-11-25T11:01:22.001Z", "escalate", "",
             {{"from", "tier1"},
              {"to", "tier2"},
              {"reason", "budget"},
              {"budget_ms", 15000},
              {"used_ms", 15000},
              {"policy", "tier1"}}),
      record("2026-11-25T11:01:22.002Z", "write_confirmed", "", {{"detail", "HTTP 200"}})};
  ignored_event(audit, "2026-11-25T11:01:22.100Z", "e2", "group_assignment_changed", kTierdUser,
                written, written);
  ignored_event(audit, "2026-11-25T11:01:22.101Z", "e3", "tags_changed", kTierdUser, written,
                written);
  ignored_event(audit, "2026-11-25T11:01:22.102Z", "e4", "comment_added", kTierdUser, written,
                written);
  // An agent's change that arrives after tierd's write has overtaken it.
  ignored_event(audit, "2026-11-25T11:01:23Z", "e5", "priority_changed", kAgent,
                "2026-11-25T11:01:20Z", written);
  {
    auto store = must(open_sqlite_store({.path = db}));
    must(store->append_audit(audit));
  }
  json config = {{"store", {{"sqlite", {{"path", db}}}}},
                 {"zendesk", {{"base_url", "https://acme.zendesk.com"}, {"email", "bot@acme.com"}}},
                 {"tiers",
                  {{{"name", "tier1"}, {"groups", {114001}}, {"escalate_after", "15s"}},
                   {{"name", "tier2"}, {"groups", {114002}}}}}};
  write_file(dir.file("tierd.json"), config.dump());

  CliRun run = run_cli({"explain", "--config", dir.file("tierd.json"), "7"}, dir, "explain");
  INFO(run.out << run.err);
  REQUIRE(run.status == 0);
  CHECK(count(run.out, "echo of tierd's write") == 1);
  CHECK(run.out.find("2026-11-25T11:01:22.100Z  echo of tierd's write (updated " + written +
                     "), ignored: ticket.group_assignment_changed, ticket.tags_changed, "
                     "ticket.comment_added\n") != std::string::npos);
  CHECK(count(run.out, "received zen:event-type:ticket.tags_changed") == 0);
  // The agent's event is still shown as received and ignored.
  CHECK(count(run.out, "received zen:event-type:ticket.priority_changed") == 1);
  CHECK(count(run.out, "ignored an out-of-date event") == 1);
  CHECK(count(run.out, "received zen:event-type:ticket.created") == 1);

  // --json keeps every record, for machines.
  CliRun as_json =
      run_cli({"explain", "--config", dir.file("tierd.json"), "--json", "7"}, dir, "json");
  REQUIRE(as_json.status == 0);
  CHECK(json::parse(as_json.out).at("timeline").size() == audit.size());
}
