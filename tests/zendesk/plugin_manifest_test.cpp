// The Zendesk app in plugin_manifest/: a requirements-only app whose
// requirements Zendesk can install as written (no setting placeholders,
// which Zendesk does not document for requirements), whose forward
// dropdown offers values tierd accepts and is the field `tierd setup`
// adopts, and whose texts name what the package installs. The simulator
// installs the requirements the way Zendesk does on install.
#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "core/policy.h"
#include "sim/common/sim_client.h"
#include "support/process_harness.h"
#include "zendesk/setup_plan.h"

using nlohmann::json;
using namespace tierd;
using namespace tierd::testing;
using namespace std::chrono_literals;

namespace {

json load(const std::string& relative) {
  std::ifstream in(std::string(TIERD_SOURCE_DIR) + "/plugin_manifest/" + relative);
  REQUIRE(in.good());
  return json::parse(in);  // throws, failing the test, on invalid JSON
}

bool has_setting_placeholder(const json& v) {
  if (v.is_string()) return v.get<std::string>().find("{{setting.") != std::string::npos;
  if (v.is_structured()) {
    for (const auto& child : v) {
      if (has_setting_placeholder(child)) return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("the app is a requirements-only app with no setting left unread", "[plugin_manifest]") {
  json m = load("manifest.json");
  CHECK(m.at("name").is_string());
  CHECK(m.at("author").at("name").is_string());
  CHECK(m.at("author").at("email").is_string());
  CHECK(m.at("defaultLocale") == "en");
  CHECK(m.at("private").is_boolean());
  CHECK(m.at("version").is_string());
  // It installs resources and shows nothing: Zendesk refuses a location or a
  // framework version in a requirements-only app.
  CHECK(m.at("requirementsOnly") == true);
  CHECK_FALSE(m.contains("location"));
  CHECK_FALSE(m.contains("frameworkVersion"));
  // Nothing reads an app setting: tierd is configured in its own config.
  CHECK(m.value("parameters", json::array()).empty());
}

TEST_CASE("the requirements install the forward dropdown and the at-risk view, and no webhook",
          "[plugin_manifest]") {
  json r = load("requirements.json");
  // Zendesk does not document setting placeholders in requirements, so the
  // app cannot point a webhook at the admin's server; tierd setup owns it.
  CHECK_FALSE(r.contains("webhooks"));
  CHECK_FALSE(has_setting_placeholder(r));
  for (const auto& [type, resources] : r.items()) {
    INFO(type);
    CHECK((type == "ticket_fields" || type == "views"));
  }
  const json& fields = r.at("ticket_fields");
  REQUIRE(fields.size() == 1);
  const json& field = fields.begin().value();
  CHECK(field.at("type") == "tagger");
  // The title setup looks for, so setup adopts the app's field.
  CHECK(field.at("title") == std::string(kForwardFieldTitle));
  // Every option names a route the way tierd reads the field: the forward
  // tag itself (default prefix) followed by a route name.
  const std::string prefix = TagNames{}.forward_prefix;
  REQUIRE_FALSE(field.at("custom_field_options").empty());
  for (const auto& option : field.at("custom_field_options")) {
    const std::string value = option.at("value");
    INFO(value);
    REQUIRE(value.rfind(prefix, 0) == 0);
    const std::string route = value.substr(prefix.size());
    CHECK(route == option.at("name").get<std::string>());
    CHECK(route.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos);
  }
  const json& view = r.at("views").at("tierd_at_risk");
  bool on_tag = false;
  for (const auto& c : view.at("all")) {
    if (c.at("field") == "current_tags" && c.at("value") == "tierd_at_risk") on_tag = true;
  }
  CHECK(on_tag);
}

TEST_CASE("the translations carry the listing texts and name what the package installs",
          "[plugin_manifest]") {
  json t = load("translations/en.json");
  const json& app = t.at("app");
  for (const char* key :
       {"name", "short_description", "long_description", "installation_instructions"}) {
    CHECK_FALSE(app.at(key).get<std::string>().empty());
  }
  const std::string install = app.at("installation_instructions");
  CHECK(install.find("/etc/tierd/tierd.jsonc") != std::string::npos);
  CHECK(install.find("tierd.json ") == std::string::npos);
  CHECK(install.find("tierd setup") != std::string::npos);
  CHECK_FALSE(app.contains("parameters"));
}

TEST_CASE("the simulator installs the app's ticket field as Zendesk would", "[plugin_manifest]") {
  TempDir dir;
  Subprocess sim({ZENDESK_SIM_BINARY, "--port", "0"}, {}, dir.file("sim.log"));
  auto port = wait_for_listening_port(sim, 10s);
  REQUIRE(port);
  sim::SimClient api(*port);
  api.use_token("admin@example.com", "sim-token");
  // Kept in a variable: items() refers to the json it iterates, which a
  // temporary would not outlive.
  const json requirements = load("requirements.json");
  for (const auto& [key, spec] : requirements.at("ticket_fields").items()) {
    INFO(key);
    sim::SimReply created = api.post("/api/v2/ticket_fields", {{"ticket_field", spec}});
    INFO(created.body.dump());
    REQUIRE(created.status == 201);
    const json& field = created.body["ticket_field"];
    CHECK(field["title"] == spec["title"]);
    CHECK(field["custom_field_options"].size() == spec["custom_field_options"].size());
  }
}
