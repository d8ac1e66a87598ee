#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

json load(const std::string& relative) {
  std::ifstream in(std::string(TIERD_SOURCE_DIR) + "/plugin_manifest/" + relative);
  REQUIRE(in.good());
  return json::parse(in);  // throws, failing the test, on invalid JSON
}

}  // namespace

TEST_CASE("the app manifest has the keys Zendesk requires", "[plugin_manifest]") {
  json m = load("manifest.json");
  CHECK(m.at("name").is_string());
  CHECK(m.at("author").at("name").is_string());
  CHECK(m.at("author").at("email").is_string());
  CHECK(m.at("defaultLocale") == "en");
  CHECK(m.at("private").is_boolean());
  CHECK(m.at("version").is_string());
  CHECK(m.at("frameworkVersion") == "2.0");
  bool has_secure = false;
  for (const auto& p : m.at("parameters")) {
    CHECK(p.at("name").is_string());
    CHECK(p.at("type").is_string());
    if (p.value("secure", false)) has_secure = true;
  }
  CHECK(has_secure);
}

TEST_CASE("the requirements declare an event-subscribed JSON POST webhook to tierd", "[plugin_manifest]") {
  json r = load("requirements.json");
  const json& hooks = r.at("webhooks");
  REQUIRE(hooks.size() == 1);
  const json& hook = hooks.begin().value();
  CHECK(hook.at("http_method") == "POST");
  CHECK(hook.at("request_format") == "json");
  CHECK(hook.at("status") == "active");
  CHECK(hook.at("endpoint").get<std::string>().find("/webhooks/zendesk") != std::string::npos);
  std::set<std::string> subs;
  for (const auto& s : hook.at("subscriptions")) {
    CHECK(s.get<std::string>().rfind("zen:event-type:ticket.", 0) == 0);
    subs.insert(s.get<std::string>());
  }
  // The events the engine needs to keep its mirror right.
  for (const char* needed : {"created", "status_changed", "group_assignment_changed", "agent_assignment_changed",
                             "tags_changed", "priority_changed"}) {
    CHECK(subs.count(std::string("zen:event-type:ticket.") + needed) == 1);
  }
  for (const auto& [key, field] : r.at("ticket_fields").items()) {
    CHECK(field.at("type").is_string());
    CHECK(field.at("title").is_string());
  }
}

TEST_CASE("the translations carry the listing texts and install instructions", "[plugin_manifest]") {
  json t = load("translations/en.json");
  const json& app = t.at("app");
  for (const char* key : {"name", "short_description", "long_description", "installation_instructions"}) {
    CHECK_FALSE(app.at(key).get<std::string>().empty());
  }
  json m = load("manifest.json");
  for (const auto& p : m.at("parameters")) CHECK(app.at("parameters").contains(p.at("name").get<std::string>()));
}
