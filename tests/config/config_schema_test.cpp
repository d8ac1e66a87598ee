// config/tierd.schema.json must stay in step with the loader: it accepts every
// config the loader accepts that ships with tierd, and it rejects each bad
// config whose fault is one of shape (a key, a type, a range, a pattern). The
// faults only the loader can see — cross references, time zones, real dates —
// are listed by name below, so a new bad case has to be placed on one side.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "config/config.h"
#include "config/config_cases.h"

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
      "overlapping intervals",
      "inverted interval",
      "impossible holiday date",
      "inverted holiday range",
      "more updates than requests",
      "same tag for two meanings",
      "deescalate tag equal to the escalate tag",
      "tag that looks like a tier tag",
      "skills for an unlisted agent",
      "lead group inside the review groups",
      "admin listener on the main port",
  };
  return names;
}

}  // namespace

TEST_CASE("the config schema accepts the shipped configs and the tests' base", "[config][schema]") {
  for (const char* file : {"config/tierd.example.jsonc", "config/demo.json"}) {
    INFO(file);
    const json doc = read_jsonc(source_path(file));
    REQUIRE(tierd::parse_config(doc.dump(), file).ok());
    CHECK(schema().problems(doc) == "");
  }
  CHECK(schema().problems(valid_base()) == "");
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
