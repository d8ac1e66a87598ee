#include "config/config_cases.h"

namespace tierd::testing {

using nlohmann::json;

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
      {"bad report time zone", [](json& j) { j["report"]["timezone"] = "Europe/Atlantis"; },
       "report.timezone", "unknown time zone \"Europe/Atlantis\""},
      {"zero misroute window", [](json& j) { j["report"]["misroute_window"] = "0s"; },
       "report.misroute_window", "must be greater than zero"},
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
       "calendars.emea.holidays[0]",
       "\"2026-02-30\" has the form YYYY-MM-DD but no such day exists"},
      {"impossible end of a holiday range",
       [](json& j) { j["calendars"]["emea"]["holidays"] = {"2026-04-27..2026-04-31"}; },
       "calendars.emea.holidays[0]", "\"2026-04-31\" has the form YYYY-MM-DD but no such day"},
      {"malformed holiday date",
       [](json& j) { j["calendars"]["emea"]["holidays"] = {"27-04-2026"}; },
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
      {"no helpdesk section", [](json& j) { j.erase("zendesk"); }, "zendesk",
       "expected exactly one helpdesk section, \"zendesk\" or \"freshdesk\", got neither"},
      {"both helpdesk sections",
       [](json& j) {
         j["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"}};
       },
       "freshdesk",
       "expected exactly one helpdesk section, \"zendesk\" or \"freshdesk\", got both"},
      {"freshdesk without base_url",
       [](json& j) {
         j.erase("zendesk");
         j["freshdesk"] = {{"api_key_env", "FD_KEY"}};
       },
       "freshdesk.base_url", "required but missing"},
      {"http freshdesk base_url for a public host",
       [](json& j) {
         j.erase("zendesk");
         j["freshdesk"] = {{"base_url", "http://acme.freshdesk.com"}};
       },
       "freshdesk.base_url", "http:// is allowed only for loopback hosts"},
      {"freshdesk with more updates than requests",
       [](json& j) {
         j.erase("zendesk");
         j["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"}, {"updates_per_minute", 300}};
       },
       "freshdesk.updates_per_minute", "must not exceed requests_per_minute (200)"},
      {"freshdesk rate_share above one",
       [](json& j) {
         j.erase("zendesk");
         j["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"}, {"rate_share", 2}};
       },
       "freshdesk.rate_share", "expected a number > 0 and <= 1, got 2"},
      {"freshdesk api key from both a variable and a file",
       [](json& j) {
         j.erase("zendesk");
         j["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"},
                           {"api_key_env", "FD_KEY"},
                           {"api_key_file", "/run/secrets/fd"}};
       },
       "freshdesk.api_key_file", "set either api_key_env or api_key_file, not both"},
      {"freshdesk webhook secret variable that is not a name",
       [](json& j) {
         j.erase("zendesk");
         j["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"},
                           {"webhook_secret_env", "my secret"}};
       },
       "freshdesk.webhook_secret_env", "expected an environment variable name"},
      {"zendesk key in the freshdesk section",
       [](json& j) {
         j.erase("zendesk");
         j["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"}, {"email", "a@b.c"}};
       },
       "freshdesk.email", "unknown key"},
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
      {"cluster with a SQLite store",
       [](json& j) {
         j["cluster"] = {{"shards", 16}};
       },
       "cluster", "need a shared PostgreSQL store"},
      {"no shards",
       [](json& j) {
         j["store"] = {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}};
         j["cluster"] = {{"shards", 0}};
       },
       "cluster.shards", "expected an integer 1-4096, got 0"},
      {"too many shards",
       [](json& j) {
         j["store"] = {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}};
         j["cluster"] = {{"shards", 5000}};
       },
       "cluster.shards", "expected an integer 1-4096, got 5000"},
      {"lease ttl below 3s",
       [](json& j) {
         j["store"] = {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}};
         j["cluster"] = {{"lease_ttl", "2s"}};
       },
       "cluster.lease_ttl", "expected between 3s and 5m, got 2s"},
      {"lease ttl above 5m",
       [](json& j) {
         j["store"] = {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}};
         j["cluster"] = {{"lease_ttl", "6m"}};
       },
       "cluster.lease_ttl", "expected between 3s and 5m, got 6m"},
      {"replica id with a space",
       [](json& j) {
         j["store"] = {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}};
         j["cluster"] = {{"replica_id", "web 1"}};
       },
       "cluster.replica_id", "expected 1 to 64 characters of A-Z a-z 0-9 . _ - :"},
      {"replica id too long",
       [](json& j) {
         j["store"] = {{"postgres", {{"url_env", "TIERD_POSTGRES_URL"}}}};
         j["cluster"] = {{"replica_id", std::string(65, 'r')}};
       },
       "cluster.replica_id", "expected 1 to 64 characters"},
      {"reviewer assignment without reviewers",
       [](json& j) { j["review"]["assign_reviewer"] = true; }, "review.reviewers",
       "must list at least one reviewer"},
  };
  return cases;
}

}  // namespace tierd::testing
