#include <catch2/catch.hpp>

#include <filesystem>

#include "support/fixtures.h"
#include "zendesk/fuzz_entry.h"

using namespace tierd::zendesk;
namespace fs = std::filesystem;

namespace {

std::string check(const std::string& input) {
  return check_webhook_input(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

TEST_CASE("every webhook fuzz corpus file keeps the fuzz invariants", "[webhook_fuzz]") {
  const fs::path corpus = fs::path(TIERD_SOURCE_DIR) / "fuzz" / "corpus" / "webhook";
  auto files = tierd::testing::regular_files_in(corpus);
  // The seeds cover the webhook fixtures plus their variants.
  REQUIRE(files.size() >= 20);
  for (const auto& file : files) {
    INFO(file.filename().string());
    CHECK(check(tierd::testing::read_file_bytes(file)) == "");
  }
}

TEST_CASE("the project's webhook fixtures keep the fuzz invariants", "[webhook_fuzz]") {
  for (const auto& file :
       tierd::testing::regular_files_in(fs::path(TIERD_FIXTURES_DIR) / "zendesk")) {
    if (file.extension() != ".json") continue;
    INFO(file.filename().string());
    CHECK(check("2025-03-10T09:22:41Z\n" + tierd::testing::read_file_bytes(file)) == "");
  }
}

TEST_CASE("the fuzz entry survives degenerate inputs", "[webhook_fuzz]") {
  CHECK(check("") == "");
  CHECK(check("\n") == "");
  CHECK(check("no newline at all") == "");
  CHECK(check(std::string("2025-03-10T09:22:41Z\n\0\0\xff", 24)) == "");
  CHECK(check("not a time\n{}") == "");
}
