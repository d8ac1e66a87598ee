// The stored form of the availability snapshot replicas share.
#include <catch2/catch.hpp>

#include "engine/availability_snapshot.h"

using namespace tierd;

TEST_CASE("an availability snapshot reads back as it was stored", "[replica]") {
  const AvailabilitySnapshot snapshot{{{101, {1, 2}}, {102, {}}, {9'000'000'000, {7}}}, {2, 7}};
  const std::string json = availability_snapshot_json(snapshot);
  CHECK(json == R"({"away":[2,7],"members":{"101":[1,2],"102":[],"9000000000":[7]}})");
  auto back = parse_availability_snapshot(json);
  REQUIRE(back.ok());
  CHECK(*back == snapshot);
  CHECK(*parse_availability_snapshot(availability_snapshot_json({})) == AvailabilitySnapshot{});
}

TEST_CASE("a stored availability snapshot that is not the stored form is refused", "[replica]") {
  for (const char* text :
       {"", "[]", R"({"away":[]})", R"({"members":{}})", R"({"members":{"x":[1]},"away":[]})",
        R"({"members":{"1":[1]},"away":[true]})", R"({"members":{"1":"2"},"away":[]})",
        R"({"members":{"1a":[1]},"away":[]})"}) {
    INFO(text);
    auto parsed = parse_availability_snapshot(text);
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
  }
}
