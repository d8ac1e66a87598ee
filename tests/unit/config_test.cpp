#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <sstream>

#include "daemon/config.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// The smallest config that touches every cross reference; each bad case
// below breaks one thing in it.
json valid_base() {
  return json::parse(R"({
    "store": {"sqlite": {"path": "var/test.db"}},
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com"},
    "tiers": [
      {"name": "tier1", "groups": [114001], "escalate_after": "15m"},
      {"name": "tier2", "groups": [114002], "escalate_after": "30m"},
      {"name": "tier3", "groups": [114003]}
    ],
    "review": {"groups": [114000]},
    "routes": [{"name": "billing", "group": 114001, "agents": [500120, 500121]}],
    "routing_rules": [{"name": "invoices", "when": {"keywords": ["invoice"]}, "route": "billing"}],
    "calendars": {"emea": {"timezone": "Europe/Amsterdam", "hours": {"mon": ["09:00-17:00"]}}}
  })");
}

Result<Config> parse(const json& document) {
  return parse_config(document.dump(), "test.json");
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// True when some line is "<path>: ..." and mentions `gist`.
bool has_problem(const std::string& message, const std::string& path, const std::string& gist) {
  for (const auto& line : lines_of(message)) {
    if (line.rfind(path + ": ", 0) == 0 && line.find(gist) != std::string::npos) return true;
  }
  return false;
}

std::string source_path(const std::string& relative) {
  return std::string(TIERD_SOURCE_DIR) + "/" + relative;
}

}  // namespace

TEST_CASE("the shipped demo config loads with the demo's values", "[config]") {
  auto config = load_config_file(source_path("config/demo.json"));
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->mode == RunMode::kLive);
  CHECK(config->zendesk.base_url == "http://127.0.0.1:8081");
  REQUIRE(config->store.sqlite);
  CHECK(config->store.sqlite->path == "var/demo.db");
  CHECK_FALSE(config->store.postgres);
  REQUIRE(config->tiers.size() == 3);
  CHECK(config->tiers[0].groups == std::vector<GroupId>{114001});
  CHECK(config->tiers[0].escalate_after == Duration(30s));
  CHECK(config->tiers[0].priority_budgets.at(Priority::kUrgent) == Duration(15s));
  CHECK(config->tiers[1].escalate_after == Duration(60s));
  CHECK_FALSE(config->tiers[2].escalate_after);
  REQUIRE(config->review);
  CHECK(config->review->groups == std::vector<GroupId>{114000});
  CHECK(config->review->escalate_after == Duration(45s));
  CHECK(config->review->lead_group == 114009);
  CHECK(config->review->reviewers == std::vector<UserId>{500777});
  REQUIRE(config->routes.size() == 3);
  CHECK(config->find_route("billing")->agents == std::vector<UserId>{500120, 500121});
  CHECK(config->find_route("setup")->assign == AssignStrategy::kLeastOpen);
  CHECK(config->find_route("integrations")->assign == AssignStrategy::kSkills);
  CHECK(config->find_route("integrations")->group == 114002);
  CHECK(config->calendars.empty());
  CHECK(config->reconcile.interval == Duration(30s));
  CHECK(config->warnings.empty());
}

TEST_CASE("the shipped commented example loads and uses every section", "[config]") {
  auto config = load_config_file(source_path("config/tierd.example.jsonc"));
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->zendesk.base_url == "https://acme.zendesk.com");
  REQUIRE(config->listen.tls);
  CHECK(config->listen.tls->cert_file == "/etc/tierd/cert.pem");
  REQUIRE(config->admin_listen);
  CHECK(config->admin_listen->port == 9090);
  REQUIRE(config->calendars.count("emea") == 1);
  const CalendarConfig& emea = config->calendars.at("emea");
  CHECK(emea.timezone == "Europe/Amsterdam");
  CHECK(emea.weekly[1] == std::vector<CalendarConfig::OpenInterval>{{540, 750}, {810, 1020}});
  CHECK(emea.weekly[0].empty());  // Sunday closed
  REQUIRE(emea.holidays.size() == 2);
  CHECK(emea.holidays[1].first == date::sys_days{date::year{2026} / 12 / 24});
  CHECK(emea.holidays[1].second == date::sys_days{date::year{2026} / 12 / 26});
  CHECK(config->tiers[0].at_risk_share == Approx(0.75));
  CHECK(config->tiers[1].at_risk_share == Approx(0.8));  // inherited from at_risk.share
  CHECK(config->routing_rules[0].when.priorities ==
        std::vector<Priority>{Priority::kNormal, Priority::kHigh});
  CHECK(config->availability.schedules.at(500120) == "emea");
  CHECK(config->zendesk.webhook_secret_previous.env == "TIERD_WEBHOOK_SECRET_PREVIOUS");
  CHECK(config->warnings.empty());
}

TEST_CASE("accepts line and block comments", "[config]") {
  const std::string text = R"(// leading comment
  {
    /* block
       comment */
    "store": {"sqlite": {"path": "a.db"}},  // trailing comment
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com"},
    "tiers": [{"name": "only", "groups": [1] /* inline */}]
  })";
  auto config = parse_config(text, "comments.jsonc");
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->tiers[0].groups == std::vector<GroupId>{1});
  CHECK(config->source_name == "comments.jsonc");
}

TEST_CASE("fills defaults for every optional key", "[config]") {
  auto config = parse_config(R"({
    "store": {"sqlite": {"path": "a.db"}},
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com"},
    "tiers": [{"name": "tier1", "groups": [1]}]
  })",
                             "minimal.json");
  INFO(config.status().message());
  REQUIRE(config.ok());
  const Config& c = *config;
  CHECK(c.mode == RunMode::kLive);
  CHECK(c.listen.host == "127.0.0.1");
  CHECK(c.listen.port == 8080);
  CHECK(c.listen.threads == 16);
  CHECK_FALSE(c.listen.tls);
  CHECK_FALSE(c.admin_listen);
  CHECK(c.store.sqlite->synchronous == SqliteSynchronous::kFull);
  CHECK(c.zendesk.api_token.env == "TIERD_ZENDESK_TOKEN");
  CHECK(c.zendesk.webhook_secret.env == "TIERD_WEBHOOK_SECRET");
  CHECK_FALSE(c.zendesk.oauth_token.configured());
  CHECK_FALSE(c.zendesk.webhook_secret_previous.configured());
  CHECK(c.zendesk.timeout == Duration(10s));
  CHECK(c.zendesk.requests_per_minute == 700);
  CHECK(c.zendesk.updates_per_minute == 100);
  CHECK(c.zendesk.rate_share == Approx(0.8));
  CHECK_FALSE(c.zendesk.api_user_id);
  CHECK(c.webhook.max_body_bytes == 262144);
  CHECK(c.webhook.timestamp_tolerance == Duration(5min));
  CHECK(c.tiers[0].clock_statuses ==
        std::vector<TicketStatus>{TicketStatus::kNew, TicketStatus::kOpen});
  CHECK_FALSE(c.tiers[0].keep_assignee);
  CHECK(c.tiers[0].at_risk_share == Approx(0.8));
  CHECK_FALSE(c.tiers[0].calendar);
  CHECK(c.at_risk.share == Approx(0.8));
  CHECK(c.tags.escalate == "tierd_escalate");
  CHECK(c.tags.deescalate == "tierd_deescalate");
  CHECK(c.tags.tier_prefix == "tierd_tier");
  CHECK(c.tags.escalated == "tierd_escalated");
  CHECK(c.tags.at_risk == "tierd_at_risk");
  CHECK(c.tags.forward_prefix == "tierd_forward_");
  CHECK_FALSE(c.review);
  CHECK(c.routes.empty());
  CHECK(c.routing_rules.empty());
  CHECK(c.availability.refresh == Duration(5min));
  CHECK(c.calendars.empty());
  CHECK(c.reconcile.interval == Duration(5min));
  CHECK(c.reconcile.enabled);
  CHECK(c.audit.retention == Duration(24h * 90));
  CHECK(c.log.level == LogLevel::kInfo);
  CHECK(c.log.format == LogFormat::kText);
  CHECK(c.admin.token.env == "TIERD_ADMIN_TOKEN");
  CHECK(c.warnings.empty());
}

TEST_CASE("review defaults apply when the section is present", "[config]") {
  json doc = valid_base();
  auto config = parse(doc);
  INFO(config.status().message());
  REQUIRE(config.ok());
  REQUIRE(config->review);
  CHECK(config->review->tag == "tierd_review");
  CHECK_FALSE(config->review->escalate_after);
  CHECK(config->review->reviewers.empty());
  CHECK_FALSE(config->review->assign_reviewer);
  CHECK(config->routes[0].assign == AssignStrategy::kRoundRobin);
  CHECK(config->routing_rules[0].action == RuleAction::kSuggest);
  CHECK(config->is_review_group(114000));
  CHECK(config->tier_index_of_group(114002) == 1u);
  CHECK_FALSE(config->tier_index_of_group(114000));
}

namespace {

struct BadCase {
  const char* what;
  std::function<void(json&)> mutate;
  std::string path;
  std::string gist;
};

const std::vector<BadCase>& bad_cases() {
  static const std::vector<BadCase> cases = {
      {"unknown top-level key", [](json& j) { j["foo"] = 1; }, "foo", "unknown key"},
      {"unknown nested key with a suggestion", [](json& j) { j["listen"]["hots"] = "0.0.0.0"; },
       "listen.hots", "unknown key (did you mean \"host\"?)"},
      {"unknown key in an array element", [](json& j) { j["tiers"][2]["calender"] = "emea"; },
       "tiers[2].calender", "did you mean \"calendar\""},
      {"unknown priority in budgets",
       [](json& j) {
         j["tiers"][0]["priority_budgets"] = {{"critical", "5m"}};
       },
       "tiers[0].priority_budgets.critical", "unknown key"},
      {"port as a string", [](json& j) { j["listen"]["port"] = "80"; }, "listen.port",
       "expected an integer 1-65535, got \"80\""},
      {"port out of range", [](json& j) { j["listen"]["port"] = 70000; }, "listen.port",
       "expected an integer 1-65535, got 70000"},
      {"section of the wrong type", [](json& j) { j["listen"] = 5; }, "listen",
       "expected an object, got 5"},
      {"boolean of the wrong type", [](json& j) { j["reconcile"]["enabled"] = "yes"; },
       "reconcile.enabled", "expected true or false"},
      {"missing store", [](json& j) { j.erase("store"); }, "store", "required but missing"},
      {"missing base_url", [](json& j) { j["zendesk"].erase("base_url"); }, "zendesk.base_url",
       "required but missing"},
      {"missing tiers", [](json& j) { j.erase("tiers"); }, "tiers", "required but missing"},
      {"empty tiers", [](json& j) { j["tiers"] = json::array(); }, "tiers",
       "expected a non-empty array of tiers"},
      {"tier without groups", [](json& j) { j["tiers"][2].erase("groups"); }, "tiers[2].groups",
       "required but missing"},
      {"tier with an empty group list", [](json& j) { j["tiers"][2]["groups"] = json::array(); },
       "tiers[2].groups", "expected a non-empty array of group ids"},
      {"group id as a string", [](json& j) { j["tiers"][0]["groups"] = {"114001"}; },
       "tiers[0].groups[0]", "expected a positive integer id, got \"114001\""},
      {"group in two tiers",
       [](json& j) {
         j["tiers"][1]["groups"] = {114005, 114001};
       },
       "tiers[1].groups[1]", "group 114001 is already in tiers[0]"},
      {"review group equal to a tier group", [](json& j) { j["review"]["groups"] = {114002}; },
       "review.groups[0]", "group 114002 is already in tiers[1]"},
      {"escalate_after missing on a middle tier",
       [](json& j) { j["tiers"][1].erase("escalate_after"); }, "tiers[1].escalate_after",
       "required on every tier but the last"},
      {"zero duration", [](json& j) { j["tiers"][0]["escalate_after"] = "0s"; },
       "tiers[0].escalate_after", "must be greater than zero"},
      {"negative duration", [](json& j) { j["tiers"][1]["escalate_after"] = "-5m"; },
       "tiers[1].escalate_after", "expected a duration like \"15m\", got \"-5m\""},
      {"garbage duration", [](json& j) { j["tiers"][1]["escalate_after"] = "fifteen"; },
       "tiers[1].escalate_after", "expected a duration like \"15m\", got \"fifteen\""},
      {"duration as a number", [](json& j) { j["reconcile"]["interval"] = 300; },
       "reconcile.interval", "expected a duration like \"15m\", got 300"},
      {"duplicate tier name", [](json& j) { j["tiers"][1]["name"] = "tier1"; }, "tiers[1].name",
       "\"tier1\" is already the name of tiers[0]"},
      {"clock status outside the allowed set",
       [](json& j) {
         j["tiers"][0]["clock_statuses"] = {"open", "solved"};
       },
       "tiers[0].clock_statuses[1]", "got \"solved\""},
      {"unknown calendar", [](json& j) { j["tiers"][0]["calendar"] = "apac"; }, "tiers[0].calendar",
       "unknown calendar \"apac\" (known: emea)"},
      {"unknown calendar in a schedule",
       [](json& j) {
         j["availability"]["schedules"] = {{"500120", "apac"}};
       },
       "availability.schedules.500120", "unknown calendar \"apac\""},
      {"unknown route in a rule", [](json& j) { j["routing_rules"][0]["route"] = "refunds"; },
       "routing_rules[0].route", "unknown route \"refunds\" (known: billing)"},
      {"unknown rule condition", [](json& j) { j["routing_rules"][0]["when"]["subject"] = "x"; },
       "routing_rules[0].when.subject", "unknown key"},
      {"bad time zone", [](json& j) { j["calendars"]["emea"]["timezone"] = "Mars/Olympus_Mons"; },
       "calendars.emea.timezone", "unknown time zone \"Mars/Olympus_Mons\""},
      {"overlapping intervals",
       [](json& j) {
         j["calendars"]["emea"]["hours"]["mon"] = {"09:00-12:00", "11:00-13:00"};
       },
       "calendars.emea.hours.mon[1]", "\"11:00-13:00\" overlaps \"09:00-12:00\""},
      {"inverted interval",
       [](json& j) { j["calendars"]["emea"]["hours"]["tue"] = {"17:00-09:00"}; },
       "calendars.emea.hours.tue[0]", "ends before it starts"},
      {"malformed interval", [](json& j) { j["calendars"]["emea"]["hours"]["wed"] = {"9-17"}; },
       "calendars.emea.hours.wed[0]", "expected an interval like \"09:00-17:00\""},
      {"unknown weekday",
       [](json& j) { j["calendars"]["emea"]["hours"]["monday"] = json::array(); },
       "calendars.emea.hours.monday", "unknown key"},
      {"calendar never open", [](json& j) { j["calendars"]["emea"]["hours"] = json::object(); },
       "calendars.emea.hours", "no open hours"},
      {"impossible holiday date",
       [](json& j) { j["calendars"]["emea"]["holidays"] = {"2026-02-30"}; },
       "calendars.emea.holidays[0]", "expected a date \"YYYY-MM-DD\""},
      {"inverted holiday range",
       [](json& j) { j["calendars"]["emea"]["holidays"] = {"2026-12-26..2026-12-24"}; },
       "calendars.emea.holidays[0]", "ends before it starts"},
      {"http base_url for a public host",
       [](json& j) { j["zendesk"]["base_url"] = "http://acme.zendesk.com"; }, "zendesk.base_url",
       "http:// is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https://"},
      {"base_url with credentials",
       [](json& j) { j["zendesk"]["base_url"] = "https://bot:pw@acme.zendesk.com"; },
       "zendesk.base_url", "must not contain credentials"},
      {"base_url with another scheme",
       [](json& j) { j["zendesk"]["base_url"] = "ftp://acme.zendesk.com"; }, "zendesk.base_url",
       "unsupported scheme"},
      {"rate_share above one", [](json& j) { j["zendesk"]["rate_share"] = 1.5; },
       "zendesk.rate_share", "expected a number > 0 and <= 1, got 1.5"},
      {"rate_share of zero", [](json& j) { j["zendesk"]["rate_share"] = 0; }, "zendesk.rate_share",
       "expected a number > 0 and <= 1, got 0"},
      {"at_risk share of one", [](json& j) { j["at_risk"]["share"] = 1; }, "at_risk.share",
       "expected a number > 0 and < 1"},
      {"more updates than requests", [](json& j) { j["zendesk"]["updates_per_minute"] = 800; },
       "zendesk.updates_per_minute", "must not exceed requests_per_minute (700)"},
      {"missing email for token authentication", [](json& j) { j["zendesk"].erase("email"); },
       "zendesk.email", "required for API-token authentication"},
      {"tag with upper case and spaces", [](json& j) { j["tags"]["escalate"] = "Tierd Escalate"; },
       "tags.escalate", "expected a tag"},
      {"invalid tag in a rule",
       [](json& j) { j["routing_rules"][0]["when"]["tags_any"] = {"a b"}; },
       "routing_rules[0].when.tags_any[0]", "invalid tag \"a b\""},
      {"same tag for two meanings", [](json& j) { j["tags"]["escalated"] = "tierd_escalate"; },
       "tags.escalated", "already used by tags.escalate"},
      {"deescalate tag equal to the escalate tag",
       [](json& j) { j["tags"]["deescalate"] = "tierd_escalate"; }, "tags.deescalate",
       "already used by tags.escalate"},
      {"tag that looks like a tier tag", [](json& j) { j["tags"]["at_risk"] = "tierd_tier_risk"; },
       "tags.at_risk", "starts with tags.tier_prefix"},
      {"unknown assign strategy", [](json& j) { j["routes"][0]["assign"] = "random"; },
       "routes[0].assign",
       "expected \"round_robin\", \"least_open\", \"skills\" or \"none\", got \"random\""},
      {"skills for an unlisted agent",
       [](json& j) {
         j["routes"][0]["assign"] = "skills";
         j["routes"][0]["skills"] = {{"500999", {"api"}}};
       },
       "routes[0].skills.500999", "agent 500999 is not listed in routes[0].agents"},
      {"skills strategy without skills", [](json& j) { j["routes"][0]["assign"] = "skills"; },
       "routes[0].skills", "required when assign is \"skills\""},
      {"route name with spaces", [](json& j) { j["routes"][0]["name"] = "Billing Team"; },
       "routes[0].name", "expected lower-case letters"},
      {"both sqlite and postgres",
       [](json& j) {
         j["store"]["postgres"] = {{"url_env", "TIERD_POSTGRES_URL"}};
       },
       "store", "exactly one of \"sqlite\" or \"postgres\", got both"},
      {"neither sqlite nor postgres", [](json& j) { j["store"] = json::object(); }, "store",
       "got neither"},
      {"unknown mode", [](json& j) { j["mode"] = "prod"; }, "mode",
       "expected \"live\" or \"shadow\", got \"prod\""},
      {"unknown log level", [](json& j) { j["log"]["level"] = "verbose"; }, "log.level",
       "got \"verbose\""},
      {"lead group inside the review groups", [](json& j) { j["review"]["lead_group"] = 114000; },
       "review.lead_group", "is one of review.groups"},
      {"admin listener on the main port",
       [](json& j) {
         j["admin_listen"] = {{"port", 8080}};
       },
       "admin_listen.port", "same port as listen.port"},
      {"reviewer assignment without reviewers",
       [](json& j) { j["review"]["assign_reviewer"] = true; }, "review.reviewers",
       "must list at least one reviewer"},
  };
  return cases;
}

}  // namespace

TEST_CASE("reports each bad config with its JSON path and what was expected", "[config]") {
  REQUIRE(bad_cases().size() >= 25);
  for (const BadCase& bad : bad_cases()) {
    json doc = valid_base();
    bad.mutate(doc);
    auto config = parse(doc);
    INFO("case: " << bad.what);
    REQUIRE_FALSE(config.ok());
    INFO("message:\n" << config.status().message());
    CHECK(config.status().code() == StatusCode::kInvalidArgument);
    CHECK(has_problem(config.status().message(), bad.path, bad.gist));
  }
}

TEST_CASE("reports a secret configured both as env var and as file", "[config]") {
  json doc = valid_base();
  doc["zendesk"]["webhook_secret_env"] = "MY_SECRET";
  doc["zendesk"]["webhook_secret_file"] = "/run/secrets/webhook";
  auto config = parse(doc);
  REQUIRE_FALSE(config.ok());
  CHECK(has_problem(config.status().message(), "zendesk.webhook_secret_file",
                    "set either webhook_secret_env or webhook_secret_file, not both"));
}

TEST_CASE("reports several problems together, one line each", "[config]") {
  json doc = valid_base();
  doc["foo"] = true;
  doc["listen"]["port"] = "80";
  doc["tiers"][1]["escalate_after"] = "fifteen";
  doc["tiers"][2]["groups"] = json::array();
  doc["tiers"][0]["calendar"] = "apac";
  auto config = parse(doc);
  REQUIRE_FALSE(config.ok());
  const std::string message = config.status().message();
  INFO(message);
  CHECK(lines_of(message).size() == 5);
  CHECK(has_problem(message, "foo", "unknown key"));
  CHECK(has_problem(message, "listen.port", "got \"80\""));
  CHECK(has_problem(message, "tiers[1].escalate_after", "got \"fifteen\""));
  CHECK(has_problem(message, "tiers[2].groups", "expected a non-empty array of group ids"));
  CHECK(has_problem(message, "tiers[0].calendar", "unknown calendar \"apac\" (known: emea)"));
}

TEST_CASE("a broken calendar or route is not also reported as unknown", "[config]") {
  json doc = valid_base();
  doc["calendars"]["emea"]["timezone"] = "Nowhere/Land";
  doc["tiers"][0]["calendar"] = "emea";
  doc["routes"][0]["assign"] = "random";
  auto config = parse(doc);
  REQUIRE_FALSE(config.ok());
  INFO(config.status().message());
  CHECK(lines_of(config.status().message()).size() == 2);
}

TEST_CASE("accepts http base_url only for loopback hosts", "[config]") {
  for (const char* url :
       {"http://127.0.0.1:8081", "http://localhost:8081", "http://[::1]:8081", "http://127.8.9.10",
        "HTTP://LOCALHOST/zendesk/", "https://acme.zendesk.com/"}) {
    json doc = valid_base();
    doc["zendesk"]["base_url"] = url;
    auto config = parse(doc);
    INFO(url << "\n" << config.status().message());
    CHECK(config.ok());
  }
  for (const char* url : {"http://10.0.0.1", "http://128.0.0.1", "http://localhost.evil.com",
                          "http://[::2]:80", "http://127.0.0.1.evil.com"}) {
    json doc = valid_base();
    doc["zendesk"]["base_url"] = url;
    auto config = parse(doc);
    INFO(url);
    REQUIRE_FALSE(config.ok());
    CHECK(has_problem(config.status().message(), "zendesk.base_url", "http:// is allowed only"));
  }
  json doc = valid_base();
  doc["zendesk"]["base_url"] = "https://acme.zendesk.com///";
  CHECK(parse(doc)->zendesk.base_url == "https://acme.zendesk.com");
}

TEST_CASE("reports a key given twice in one object with its path", "[config]") {
  auto config = parse_config(R"({
    "store": {"sqlite": {"path": "a.db"}},
    "zendesk": {"base_url": "https://acme.zendesk.com", "email": "bot@acme.com"},
    "tiers": [{"name": "t1", "groups": [1], "escalate_after": "5m"},
              {"name": "t2", "groups": [2], "groups": [3]}]
  })",
                             "dup.json");
  REQUIRE_FALSE(config.ok());
  INFO(config.status().message());
  CHECK(has_problem(config.status().message(), "tiers[1].groups", "duplicate key"));
}

TEST_CASE("reports JSON syntax errors with the source name and position", "[config]") {
  auto config = parse_config("{\n  \"mode\": \"live\",\n  oops\n}", "broken.json");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == StatusCode::kInvalidArgument);
  INFO(config.status().message());
  CHECK(config.status().message().rfind("broken.json: invalid JSON: line 3", 0) == 0);
  CHECK(lines_of(config.status().message()).size() == 1);

  auto not_object = parse_config("[1, 2]", "array.json");
  REQUIRE_FALSE(not_object.ok());
  CHECK(has_problem(not_object.status().message(), "(top level)", "expected an object"));
}

TEST_CASE("parses typed values of every policy section", "[config]") {
  json doc = valid_base();
  doc["mode"] = "shadow";
  doc["tiers"][0]["priority_budgets"] = {{"urgent", "5m"}, {"high", "1h30m"}};
  doc["tiers"][0]["clock_statuses"] = {"new", "open", "hold"};
  doc["tiers"][0]["keep_assignee"] = true;
  doc["tiers"][0]["calendar"] = "emea";
  doc["routes"][0]["assign"] = "skills";
  doc["routes"][0]["skills"] = {{"500120", {"api", "sso"}}};
  doc["routing_rules"][0]["when"] = {{"channel", {"Email"}},
                                     {"priority", {"urgent"}},
                                     {"form_id", {42}},
                                     {"keywords", {"Refund"}}};
  doc["routing_rules"][0]["action"] = "forward";
  doc["calendars"]["emea"]["hours"] = {{"sun", {"00:00-24:00"}},
                                       {"fri", {"13:00-17:00", "08:30-12:00"}}};
  doc["calendars"]["emea"]["holidays"] = {"2026-12-25", "2026-01-01"};
  doc["zendesk"]["oauth_token_env"] = "ZD_OAUTH";
  doc["zendesk"].erase("email");
  doc["store"] = {{"postgres", {{"url_file", "/run/secrets/pg"}}}};
  auto config = parse(doc);
  INFO(config.status().message());
  REQUIRE(config.ok());
  const Config& c = *config;
  CHECK(c.mode == RunMode::kShadow);
  CHECK(c.tiers[0].priority_budgets.at(Priority::kHigh) == Duration(90min));
  CHECK(c.tiers[0].clock_statuses ==
        std::vector<TicketStatus>{TicketStatus::kNew, TicketStatus::kOpen, TicketStatus::kHold});
  CHECK(c.tiers[0].keep_assignee);
  CHECK(c.tiers[0].calendar == "emea");
  CHECK(c.routes[0].skills.at(500120) == std::vector<std::string>{"api", "sso"});
  const RuleCondition& when = c.routing_rules[0].when;
  CHECK(when.channels == std::vector<std::string>{"email"});
  CHECK(when.priorities == std::vector<Priority>{Priority::kUrgent});
  CHECK(when.form_ids == std::vector<int64_t>{42});
  CHECK(when.keywords == std::vector<std::string>{"refund"});
  CHECK(c.routing_rules[0].action == RuleAction::kForward);
  const CalendarConfig& emea = c.calendars.at("emea");
  CHECK(emea.weekly[0] == std::vector<CalendarConfig::OpenInterval>{{0, 1440}});
  CHECK(emea.weekly[5] == std::vector<CalendarConfig::OpenInterval>{{510, 720}, {780, 1020}});
  CHECK(emea.weekly[1].empty());
  REQUIRE(emea.holidays.size() == 2);
  CHECK(emea.holidays[0].first == date::sys_days{date::year{2026} / 1 / 1});
  CHECK(c.zendesk.oauth_token.env == "ZD_OAUTH");
  REQUIRE(c.store.postgres);
  CHECK(c.store.postgres->url.file == "/run/secrets/pg");
  CHECK(c.store.postgres->url.env.empty());
}

TEST_CASE("warns about a public listener without TLS but accepts it", "[config]") {
  json doc = valid_base();
  doc["listen"]["host"] = "0.0.0.0";
  auto config = parse(doc);
  REQUIRE(config.ok());
  REQUIRE(config->warnings.size() == 1);
  CHECK(config->warnings[0].rfind("listen: ", 0) == 0);

  doc["listen"]["tls"] = {{"cert", "/etc/tierd/cert.pem"}, {"key", "/etc/tierd/key.pem"}};
  auto with_tls = parse(doc);
  REQUIRE(with_tls.ok());
  CHECK(with_tls->warnings.empty());

  doc["reconcile"]["enabled"] = false;
  doc["routing_rules"][0]["when"] = json::object();
  auto more = parse(doc);
  REQUIRE(more.ok());
  CHECK(more->warnings.size() == 2);
}

TEST_CASE("load_config_file tells a missing file from a bad one", "[config]") {
  auto missing = load_config_file("/nonexistent/tierd.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find("/nonexistent/tierd.json") != std::string::npos);

  auto directory = load_config_file(TIERD_SOURCE_DIR);
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.status().code() == StatusCode::kUnavailable);
}
