#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <sstream>

#include "config/config.h"
#include "config/config_cases.h"

using namespace tierd;
using namespace std::chrono_literals;
using nlohmann::json;
using tierd::testing::bad_cases;
using tierd::testing::BadCase;
using tierd::testing::valid_base;

namespace {

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
  CHECK(config->tiers[0].budget == Duration(30s));
  CHECK(config->tiers[0].priority_budgets.at(Priority::kUrgent) == Duration(15s));
  CHECK(config->tiers[1].budget == Duration(60s));
  CHECK_FALSE(config->tiers[2].budget);
  REQUIRE(config->review);
  CHECK(config->review->groups == std::vector<GroupId>{114000});
  CHECK(config->review->budget == Duration(45s));
  CHECK(config->review->lead_group == 114009);
  CHECK(config->review->reviewers == std::vector<UserId>{500777});
  REQUIRE(config->routes.size() == 3);
  CHECK(config->find_route("billing")->agents == std::vector<UserId>{500120, 500121});
  CHECK(config->find_route("setup")->assign == RouteAssign::kLeastOpen);
  CHECK(config->find_route("integrations")->assign == RouteAssign::kSkills);
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
  REQUIRE(config->review);
  CHECK(config->review->priority_budgets.at(Priority::kUrgent) == Duration(3min));
  REQUIRE(config->listen.tls);
  CHECK(config->listen.tls->cert_file == "/etc/tierd/cert.pem");
  REQUIRE(config->admin_listen);
  CHECK(config->admin_listen->port == 9090);
  REQUIRE(config->calendars.count("emea") == 1);
  const CalendarSpec& emea = config->calendars.at("emea");
  CHECK(emea.timezone == "Europe/Amsterdam");
  CHECK(emea.weekly[1] == std::vector<TimeOfDayInterval>{{540, 750}, {810, 1020}});
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
  CHECK(config->report.timezone == "Europe/Amsterdam");
  CHECK(config->report.misroute_window == Duration(24h));
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
  CHECK_FALSE(c.tiers[0].calendar_name);
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
  CHECK(c.report.timezone == "UTC");
  CHECK(c.report.misroute_window == Duration(24h));
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
  CHECK_FALSE(config->review->budget);
  CHECK(config->review->reviewers.empty());
  CHECK_FALSE(config->review->assign_reviewer);
  CHECK(config->routes[0].assign == RouteAssign::kRoundRobin);
  CHECK_FALSE(config->routing_rules[0].forward);
}

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
  CHECK(c.tiers[0].calendar_name == "emea");
  CHECK(c.routes[0].skills.at(500120) == std::vector<std::string>{"api", "sso"});
  const RoutingCondition& when = c.routing_rules[0].when;
  CHECK(when.channels == std::vector<std::string>{"email"});
  CHECK(when.priorities == std::vector<Priority>{Priority::kUrgent});
  CHECK(when.form_ids == std::vector<int64_t>{42});
  CHECK(when.keywords == std::vector<std::string>{"refund"});
  CHECK(c.routing_rules[0].forward);
  const CalendarSpec& emea = c.calendars.at("emea");
  CHECK(emea.weekly[0] == std::vector<TimeOfDayInterval>{{0, 1440}});
  CHECK(emea.weekly[5] == std::vector<TimeOfDayInterval>{{510, 720}, {780, 1020}});
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

TEST_CASE("a freshdesk section takes the place of zendesk", "[config]") {
  json doc = valid_base();
  doc.erase("zendesk");
  doc["freshdesk"] = {{"base_url", "https://acme.freshdesk.com/"}};
  auto config = parse(doc);
  INFO(config.status().message());
  REQUIRE(config.ok());
  CHECK(config->helpdesk == HelpdeskVendor::kFreshdesk);
  CHECK(std::string(helpdesk_vendor_name(config->helpdesk)) == "freshdesk");
  CHECK(config->freshdesk.base_url == "https://acme.freshdesk.com");
  CHECK(config->freshdesk.api_key.env == "TIERD_FRESHDESK_KEY");
  CHECK(config->freshdesk.webhook_secret.env == "TIERD_WEBHOOK_SECRET");
  CHECK_FALSE(config->freshdesk.webhook_secret_previous.configured());
  CHECK(config->freshdesk.requests_per_minute == 200);
  CHECK_FALSE(config->freshdesk.updates_per_minute);
  CHECK(config->freshdesk.rate_share == Approx(0.8));
  CHECK(config->warnings.empty());

  doc["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"},
                      {"api_key_file", "/run/secrets/freshdesk"},
                      {"webhook_secret_env", "FD_HOOK"},
                      {"webhook_secret_previous_env", "FD_HOOK_OLD"}};
  auto named = parse(doc);
  REQUIRE(named.ok());
  CHECK(named->freshdesk.api_key.file == "/run/secrets/freshdesk");
  CHECK(named->freshdesk.api_key.env.empty());
  CHECK(named->freshdesk.webhook_secret.env == "FD_HOOK");
  CHECK(named->freshdesk.webhook_secret_previous.env == "FD_HOOK_OLD");

  doc["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"},
                      {"requests_per_minute", 700},
                      {"updates_per_minute", 200},
                      {"rate_share", 0.5}};
  auto limits = parse(doc);
  REQUIRE(limits.ok());
  CHECK(limits->freshdesk.requests_per_minute == 700);
  CHECK(limits->freshdesk.updates_per_minute == 200);
  CHECK(limits->freshdesk.rate_share == Approx(0.5));

  auto zendesk = parse(valid_base());
  REQUIRE(zendesk.ok());
  CHECK(zendesk->helpdesk == HelpdeskVendor::kZendesk);
}

TEST_CASE("a freshdesk base_url off Freshdesk's domain is a warning", "[config]") {
  json doc = valid_base();
  doc.erase("zendesk");
  doc["freshdesk"] = {{"base_url", "https://support.acme.com"}};
  auto config = parse(doc);
  REQUIRE(config.ok());
  REQUIRE(config->warnings.size() == 1);
  CHECK(config->warnings[0].rfind("freshdesk.base_url: \"support.acme.com\" is not a "
                                  "*.freshdesk.com host",
                                  0) == 0);
  // A simulator on a loopback host is not warned about.
  doc["freshdesk"]["base_url"] = "http://127.0.0.1:8081";
  auto local = parse(doc);
  REQUIRE(local.ok());
  CHECK(local->warnings.empty());
  doc["freshdesk"]["base_url"] = "https://ACME.Freshdesk.com";
  CHECK(parse(doc)->warnings.empty());
}

TEST_CASE("a cluster section over a PostgreSQL store", "[config][cluster]") {
  json doc = valid_base();
  doc["store"] = {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}};
  SECTION("absent: no cluster") {
    auto config = parse(doc);
    REQUIRE(config.ok());
    CHECK_FALSE(config->cluster);
  }
  SECTION("empty: the defaults, the replica id left to the process") {
    doc["cluster"] = json::object();
    auto config = parse(doc);
    INFO(config.status().message());
    REQUIRE(config.ok());
    REQUIRE(config->cluster);
    CHECK(config->cluster->shards == 64);
    CHECK(config->cluster->lease_ttl == Duration(10s));
    CHECK(config->cluster->replica_id.empty());
  }
  SECTION("every key, at the ends of the ranges") {
    doc["cluster"] = {{"shards", 4096}, {"lease_ttl", "5m"}, {"replica_id", "web-1.eu:a_b"}};
    auto config = parse(doc);
    INFO(config.status().message());
    REQUIRE(config.ok());
    CHECK(config->cluster->shards == 4096);
    CHECK(config->cluster->lease_ttl == Duration(5min));
    CHECK(config->cluster->replica_id == "web-1.eu:a_b");
    doc["cluster"] = {{"shards", 1}, {"lease_ttl", "3s"}};
    config = parse(doc);
    REQUIRE(config.ok());
    CHECK(config->cluster->shards == 1);
    CHECK(config->cluster->lease_ttl == Duration(3s));
  }
}

TEST_CASE("a cluster section over SQLite is one problem, whatever else it holds",
          "[config][cluster]") {
  json doc = valid_base();
  doc["cluster"] = {{"shards", 8}};
  auto config = parse(doc);
  REQUIRE_FALSE(config.ok());
  const auto lines = lines_of(config.status().message());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "cluster: replicas need a shared PostgreSQL store (store.postgres); a SQLite store serves "
        "one process, so remove \"cluster\" or move the store to PostgreSQL");
}
