// report --csv: the tables of to_json(), cell for cell, and the window
// bounds an admin writes.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "reports/report.h"
#include "reports/report_csv.h"
#include "reports/report_window.h"
#include "support/instants.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using testing::at;

// A small report with a row in every table.
TierReport sample_report() {
  TierReport r;
  r.since = at("2025-03-10T00:00:00Z");
  r.now = at("2025-03-11T00:00:00Z");
  r.tickets = 3;
  r.solved = 2;
  r.unassigned_solves = 1;
  TierLine t;
  t.name = "tier1";
  t.entered = 3;
  t.share = 1.0;
  t.solved_share = 2.0 / 3;
  t.time_in_tier = percentiles_of({10min, 15min});
  t.flow.escalated_by.timer = 1;
  t.flow.solves = 3;
  t.flow.reopened = 1;
  t.flow.reopen_rate = 1.0 / 3;
  r.tiers.push_back(t);
  r.routes.push_back({"billing, EU", 4, 1, {}});  // a name that needs quoting
  r.agents.push_back({500120, 2, 1, 0, 0, 1, 0});
  r.reviewers.push_back({700, 4, 1, percentiles_of({2min})});
  r.review.entered = 4;
  r.review.misroutes = 1;
  return r;
}

// RFC 4180 fields of one CSV text: rows of cells.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cellText;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cellText += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cellText += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cellText);
      cellText.clear();
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      rows.back().push_back(cellText);
      cellText.clear();
      rows.emplace_back();
    } else {
      cellText += c;
    }
  }
  rows.pop_back();  // after the last line end
  return rows;
}

// The JSON value at a dotted column of `row`.
const json& at_column(const json& row, const std::string& column) {
  const json* v = &row;
  std::istringstream parts(column);
  std::string part;
  while (std::getline(parts, part, '.')) v = &v->at(part);
  return *v;
}

std::string as_cell(const json& v) {
  if (v.is_null()) return "";
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

TEST_CASE("every CSV table carries the same numbers as the JSON report", "[report][csv]") {
  TierReport r = sample_report();
  json j = to_json(r);
  for (const std::string& table : report_csv_tables()) {
    INFO(table);
    auto csv = to_csv(r, table);
    REQUIRE(csv.ok());
    auto rows = parse_csv(*csv);
    REQUIRE(rows.size() == 2);  // the header and one row
    std::vector<json> expected =
        table == "summary" ? std::vector<json>{j} : j.at(table).get<std::vector<json>>();
    REQUIRE(expected.size() == 1);
    for (size_t c = 0; c < rows[0].size(); ++c) {
      INFO(rows[0][c]);
      CHECK(rows[1][c] == as_cell(at_column(expected[0], rows[0][c])));
    }
  }
  auto tiers = parse_csv(*to_csv(r, "tiers"));
  CHECK(std::find(tiers[0].begin(), tiers[0].end(), "escalated_by.timer") != tiers[0].end());
  CHECK(std::find(tiers[0].begin(), tiers[0].end(), "time_in_tier.p50_ms") != tiers[0].end());
  CHECK(parse_csv(*to_csv(r, "routes"))[1][0] == "billing, EU");
  auto summary = parse_csv(*to_csv(r, "summary"));
  CHECK(std::find(summary[0].begin(), summary[0].end(), "review.misroutes") != summary[0].end());
}

TEST_CASE("an empty CSV table still names its columns - an unknown table is refused",
          "[report][csv]") {
  TierReport r;
  auto agents = to_csv(r, "agents");
  REQUIRE(agents.ok());
  CHECK(agents->rfind("id,name,assisted,", 0) == 0);
  CHECK(std::count(agents->begin(), agents->end(), '\n') == 1);
  auto bad = to_csv(r, "agent");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("tiers, routes, agents") != std::string::npos);
}

TEST_CASE("report bounds read durations, instants and local dates in the account's zone",
          "[report][window]") {
  Instant now = at("2025-03-10T12:00:00Z");
  CHECK(*parse_report_bound("7d", "UTC", now) == at("2025-03-03T12:00:00Z"));
  CHECK(*parse_report_bound("2025-03-01T08:00:00Z", "Europe/Amsterdam", now) ==
        at("2025-03-01T08:00:00Z"));
  CHECK(*parse_report_bound("2025-03-01", "Europe/Amsterdam", now) == at("2025-02-28T23:00:00Z"));
  CHECK(*parse_report_bound("2025-07-01T09:30", "Europe/Amsterdam", now) ==
        at("2025-07-01T07:30:00Z"));
  CHECK(*parse_report_bound("2025-03-01 09:30:15", "America/New_York", now) ==
        at("2025-03-01T14:30:15Z"));
  // 02:30 does not exist on the spring-forward night: the moment the clocks jumped.
  CHECK(*parse_report_bound("2025-03-30T02:30", "Europe/Amsterdam", now) ==
        at("2025-03-30T01:00:00Z"));
  CHECK_FALSE(parse_report_bound("last week", "UTC", now).ok());
  CHECK_FALSE(parse_report_bound("2025-02-30", "UTC", now).ok());
  CHECK_FALSE(parse_report_bound("2025-03-01", "Mars/Olympus", now).ok());
}
