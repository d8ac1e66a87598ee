// config/tierd.schema.json must stay in step with the loader: both know the
// same keys (the loader lists its own, config_key_patterns()); both accept
// the configs that ship with tierd and the ones these tests write, which
// between them give every key a value; and the schema rejects each bad
// config whose fault is one of shape (a key, a type, a range, a pattern). The
// faults only the loader can see — cross references, time zones, real dates —
// are listed by name below, so a new bad case has to be placed on one side.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/config_cases.h"
#include "config/config_keys.h"

using nlohmann::json;
using tierd::testing::bad_cases;
using tierd::testing::BadCase;
using tierd::testing::valid_base;

namespace {

std::string source_path(const std::string& relative) {
  return std::string(TIERD_SOURCE_DIR) + "/" + relative;
}

json read_jsonc(const std::string& path) {
  // The loader allows // and /* */ comments; so does nlohmann's parser when asked.
  std::ifstream in(path);
  REQUIRE(in.good());
  return json::parse(in, nullptr, true, true);
}

class ConfigSchema {
 public:
  ConfigSchema() {
    document_ = read_jsonc(source_path("config/tierd.schema.json"));
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(document_);
    parser.populateSchema(adapter, schema_);
  }

  const json& document() const { return document_; }

  // Empty when `doc` is valid; otherwise the validator's complaints.
  std::string problems(const json& doc) const {
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(doc);
    if (validator.validate(schema_, target, &results)) return "";
    std::ostringstream out;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
      for (const auto& part : error.context) out << part;
      out << ": " << error.description << "\n";
    }
    return out.str().empty() ? "invalid" : out.str();
  }

 private:
  json document_;
  valijson::Schema schema_;
};

const ConfigSchema& schema() {
  static const ConfigSchema instance;
  return instance;
}

// The keys the schema describes, spelt like config_key_patterns(): "a.b" for
// a property, "a[]" for the elements of an array, "a.*" for the values of an
// object whose keys are free. Only what describes a value's own members is
// followed (properties, additionalProperties, items, $ref); if/then, anyOf
// and the like only constrain keys listed there.
void collect_schema_keys(const json& root, const json& node, const std::string& prefix,
                         std::set<std::string>& out) {
  if (node.contains("$ref")) {
    const std::string ref = node["$ref"].get<std::string>();
    REQUIRE(ref.rfind("#/", 0) == 0);
    collect_schema_keys(root, root.at(json::json_pointer(ref.substr(1))), prefix, out);
    return;
  }
  auto join = [&](const std::string& key) { return prefix.empty() ? key : prefix + "." + key; };
  if (node.contains("properties")) {
    for (const auto& [key, member] : node["properties"].items()) {
      out.insert(join(key));
      collect_schema_keys(root, member, join(key), out);
    }
  }
  if (node.contains("additionalProperties") && node["additionalProperties"].is_object()) {
    out.insert(join("*"));
    collect_schema_keys(root, node["additionalProperties"], join("*"), out);
  }
  if (node.contains("items") && node["items"].is_object()) {
    collect_schema_keys(root, node["items"], prefix + "[]", out);
  }
}

std::set<std::string> schema_keys() {
  std::set<std::string> keys;
  collect_schema_keys(schema().document(), schema().document(), "", keys);
  return keys;
}

// The keys `doc` sets, as patterns; an object's members count as free names
// ("*") where the loader's patterns say so.
void collect_document_keys(const json& doc, const std::string& prefix,
                           const std::set<std::string>& known, std::set<std::string>& out) {
  if (doc.is_array()) {
    for (const auto& element : doc) collect_document_keys(element, prefix + "[]", known, out);
    return;
  }
  if (!doc.is_object()) return;
  const std::string any = prefix.empty() ? "*" : prefix + ".*";
  for (const auto& [key, value] : doc.items()) {
    const std::string pattern =
        known.count(any) ? any : (prefix.empty() ? key : prefix + "." + key);
    out.insert(pattern);
    collect_document_keys(value, pattern, known, out);
  }
}

std::string listed(const std::set<std::string>& keys) {
  std::string out;
  for (const auto& key : keys) out += "\n  " + key;
  return out.empty() ? " none" : out;
}

std::set<std::string> minus(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

// Configs the tests write beyond the shipped ones, chosen so that together
// they set every key the loader knows: the other side of each either-or
// (PostgreSQL, secrets in files, OAuth) and the keys the examples leave out.
std::vector<json> written_configs() {
  json files = valid_base();
  files["$schema"] = "../config/tierd.schema.json";
  files["store"] = {{"postgres", {{"url_file", "/run/secrets/postgres"}}}};
  files["zendesk"] = {{"base_url", "https://acme.zendesk.com"},
                      {"oauth_token_file", "/run/secrets/oauth"},
                      {"webhook_secret_file", "/run/secrets/webhook"},
                      {"webhook_secret_previous_file", "/run/secrets/webhook.old"}};
  files["admin"] = {{"token_file", "/run/secrets/admin"}};
  files["tiers"][0]["priority_budgets"] = {
      {"low", "1h"}, {"normal", "30m"}, {"high", "10m"}, {"urgent", "5m"}};
  files["calendars"]["emea"]["hours"] = {{"mon", {"09:00-17:00"}}, {"tue", {"09:00-17:00"}},
                                         {"wed", {"09:00-17:00"}}, {"thu", {"09:00-17:00"}},
                                         {"fri", {"09:00-17:00"}}, {"sat", json::array()},
                                         {"sun", json::array()}};
  files["review"]["calendar"] = "emea";
  files["review"]["priority_budgets"] = {
      {"low", "2h"}, {"normal", "30m"}, {"high", "15m"}, {"urgent", "5m"}};

  json tokens = valid_base();
  tokens["zendesk"]["api_token_file"] = "/run/secrets/zendesk";
  tokens["store"]["sqlite"]["synchronous"] = "full";

  json environment = valid_base();
  environment["store"] = {{"postgres", {{"url_env", "PG_URL"}}}};
  environment["zendesk"]["oauth_token_env"] = "ZD_OAUTH";

  json freshdesk_files = valid_base();
  freshdesk_files.erase("zendesk");
  freshdesk_files["freshdesk"] = {{"base_url", "https://acme.freshdesk.com"},
                                  {"api_key_file", "/run/secrets/freshdesk"},
                                  {"webhook_secret_file", "/run/secrets/webhook"},
                                  {"webhook_secret_previous_file", "/run/secrets/webhook.old"},
                                  {"requests_per_minute", 400},
                                  {"updates_per_minute", 120}};
  json freshdesk_environment = valid_base();
  freshdesk_environment.erase("zendesk");
  freshdesk_environment["freshdesk"] = {{"base_url", "http://127.0.0.1:8081"},
                                        {"api_key_env", "FD_KEY"},
                                        {"webhook_secret_env", "FD_HOOK"},
                                        {"webhook_secret_previous_env", "FD_HOOK_OLD"}};
  return {valid_base(), files, tokens, environment, freshdesk_files, freshdesk_environment};
}

// Bad configs whose fault a JSON Schema cannot express.
const std::set<std::string>& loader_only_cases() {
  static const std::set<std::string> names = {
      "group in two tiers",
      "review group equal to a tier group",
      "escalate_after missing on a middle tier",
      "duplicate tier name",
      "unknown calendar",
      "unknown calendar in a schedule",
      "unknown route in a rule",
      "bad time zone",
      "bad report time zone",
      "overlapping intervals",
      "inverted interval",
      "impossible holiday date",
      "impossible end of a holiday range",
      "inverted holiday range",
      "more updates than requests",
      "freshdesk with more updates than requests",
      "same tag for two meanings",
      "deescalate tag equal to the escalate tag",
      "tag that looks like a tier tag",
      "skills for an unlisted agent",
      "lead group inside the review groups",
      "admin listener on the main port",
      "lease ttl below 3s",
      "lease ttl above 5m",
  };
  return names;
}

}  // namespace

TEST_CASE("the config schema and the loader know the same keys", "[config][schema]") {
  const std::set<std::string> loader = tierd::config_key_patterns();
  const std::set<std::string> schema = schema_keys();
  REQUIRE(loader.count("tiers[].escalate_after") == 1);
  REQUIRE(loader.count("calendars.*.hours.mon") == 1);
  INFO("accepted by the loader, missing from the schema:" << listed(minus(loader, schema)));
  INFO("in the schema, refused by the loader:" << listed(minus(schema, loader)));
  CHECK(loader == schema);
}

TEST_CASE("the config schema and the loader accept the shipped configs and the tests' own",
          "[config][schema]") {
  const std::set<std::string> known = tierd::config_key_patterns();
  std::set<std::string> used;
  auto check = [&](const json& doc, const std::string& name) {
    INFO(name);
    auto config = tierd::parse_config(doc.dump(), name);
    INFO(config.status().message());
    CHECK(config.ok());
    CHECK(schema().problems(doc) == "");
    collect_document_keys(doc, "", known, used);
  };
  // Every config the repository ships, so a new example cannot slip past.
  std::vector<std::string> shipped;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(source_path("config"))) {
    const std::string path = entry.path().string();
    const bool config_file = path.ends_with(".json") || path.ends_with(".jsonc");
    if (entry.is_regular_file() && config_file && !path.ends_with(".schema.json")) {
      shipped.push_back(path);
    }
  }
  std::sort(shipped.begin(), shipped.end());
  REQUIRE(shipped.size() >= 3);
  for (const auto& file : shipped) check(read_jsonc(file), file);
  const auto written = written_configs();
  for (size_t i = 0; i < written.size(); ++i)
    check(written[i], "written config " + std::to_string(i));
  // So every key has a value both sides accept.
  INFO("keys no config sets:" << listed(minus(known, used)));
  CHECK(minus(known, used).empty());
}

TEST_CASE("both accept the $schema key editors use to find the schema", "[config][schema]") {
  json doc = valid_base();
  doc["$schema"] = "https://github.com/tierd/tierd/config/tierd.schema.json";
  auto config = tierd::parse_config(doc.dump(), "with_schema.json");
  INFO(config.status().message());
  CHECK(config.ok());
  CHECK(schema().problems(doc) == "");
}

TEST_CASE("the config schema rejects every bad config of shape", "[config][schema]") {
  size_t checked = 0;
  for (const BadCase& bad : bad_cases()) {
    if (loader_only_cases().count(bad.what)) continue;
    json doc = valid_base();
    bad.mutate(doc);
    INFO("case: " << bad.what);
    CHECK(schema().problems(doc) != "");
    ++checked;
  }
  CHECK(checked >= 35);
}

TEST_CASE("the schema's list of loader-only faults names real bad cases", "[config][schema]") {
  std::set<std::string> names;
  for (const BadCase& bad : bad_cases()) names.insert(bad.what);
  for (const auto& name : loader_only_cases()) {
    INFO(name);
    CHECK(names.count(name) == 1);
  }
}

TEST_CASE("the config schema knows every key of the example, and no others", "[config][schema]") {
  // An unknown key anywhere is refused, like the loader does.
  json doc = read_jsonc(source_path("config/tierd.example.jsonc"));
  doc["tiers"][0]["escalate_afterr"] = "15m";
  CHECK(schema().problems(doc) != "");
  doc = read_jsonc(source_path("config/tierd.example.jsonc"));
  doc["zendesk"]["subdomain"] = "acme";
  CHECK(schema().problems(doc) != "");
}
