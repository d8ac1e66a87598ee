// AuditFields: the flat members of an audit detail, as the report reads them.
#include "reports/audit_fields.h"

#include <catch2/catch.hpp>

using tierd::AuditFields;

TEST_CASE("audit fields read top-level strings and integers", "[report][audit_fields]") {
  AuditFields d(R"({"tier":"tier2","assignee":500120,"actor":"902001","used_ms":1.5e3})");
  CHECK(d.text("tier") == "tier2");
  CHECK(d.integer("assignee") == 500120);
  CHECK(d.integer("actor") == 902001);  // an id written as a string
  CHECK(d.integer("used_ms") == 1500);
  CHECK(d.has("tier"));
  CHECK_FALSE(d.has("route"));
  CHECK(d.text("route").empty());
  CHECK_FALSE(d.integer("route").has_value());
}

TEST_CASE("audit fields skip nested values and keep only what the top level holds",
          "[report][audit_fields]") {
  AuditFields d(
      R"({"tags":["a","b"],"write":{"group":7,"route":"x"},"group":114002,"ok":true,"gone":null})");
  CHECK(d.integer("group") == 114002);
  CHECK_FALSE(d.has("route"));
  CHECK(d.has("tags"));
  CHECK_FALSE(d.integer("tags").has_value());
  CHECK(d.text("write").empty());
  CHECK_FALSE(d.integer("ok").has_value());
  CHECK(d.has("gone"));
}

TEST_CASE("audit fields decode escapes and non-ASCII text", "[report][audit_fields]") {
  AuditFields d(R"({"route":"caf\u00e9 \"billing\"","name":"Zoë 技术"})");
  CHECK(d.text("route") == "caf\xc3\xa9 \"billing\"");
  CHECK(d.text("name") == "Zoë 技术");
}

TEST_CASE("audit fields read a string id only when it is all digits", "[report][audit_fields]") {
  AuditFields d(R"({"a":"12x","b":"","c":"-4","d":"99999999999999999999"})");
  CHECK_FALSE(d.integer("a").has_value());
  CHECK_FALSE(d.integer("b").has_value());
  CHECK(d.integer("c") == -4);
  CHECK_FALSE(d.integer("d").has_value());  // beyond int64
}

TEST_CASE("audit fields leave out numbers no id can be", "[report][audit_fields]") {
  AuditFields d(R"({"big":18446744073709551615,"huge":1e300})");
  CHECK(d.has("big"));
  CHECK_FALSE(d.integer("big").has_value());
  CHECK_FALSE(d.integer("huge").has_value());
}

TEST_CASE("the last of a repeated member wins, as in a parsed document",
          "[report][audit_fields]") {
  AuditFields d(R"({"tier":"tier1","tier":"tier3"})");
  CHECK(d.text("tier") == "tier3");
}

TEST_CASE("a detail that is not a JSON object reads as empty", "[report][audit_fields]") {
  for (const char* text : {"", "[1,2]", "\"tier\"", "42", "{\"tier\":", "{\"tier\" \"x\"}",
                           "{\"a\":1,}", "not json"}) {
    INFO(text);
    AuditFields d(text);
    CHECK_FALSE(d.has("tier"));
    CHECK_FALSE(d.has("a"));
  }
}
