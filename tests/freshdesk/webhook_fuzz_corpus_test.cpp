#include <catch2/catch.hpp>

#include <filesystem>

#include "freshdesk/fuzz_entry.h"
#include "support/fixtures.h"

using namespace tierd::freshdesk;
namespace fs = std::filesystem;

namespace {

std::string check(const std::string& input) {
  return check_webhook_input(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

TEST_CASE("every Freshdesk fuzz corpus file keeps the fuzz invariants", "[freshdesk_fuzz]") {
  const fs::path corpus = fs::path(TIERD_SOURCE_DIR) / "fuzz" / "corpus" / "freshdesk_webhook";
  auto files = tierd::testing::regular_files_in(corpus);
  // The seeds cover the Freshdesk fixtures plus their variants.
  REQUIRE(files.size() >= 15);
  for (const auto& file : files) {
    INFO(file.filename().string());
    CHECK(check(tierd::testing::read_file_bytes(file)) == "");
  }
}

TEST_CASE("the project's Freshdesk fixtures keep the fuzz invariants", "[freshdesk_fuzz]") {
  for (const auto& file :
       tierd::testing::regular_files_in(fs::path(TIERD_FIXTURES_DIR) / "freshdesk")) {
    if (file.extension() != ".json") continue;
    INFO(file.filename().string());
    CHECK(check("tierd-fuzz-secret\n" + tierd::testing::read_file_bytes(file)) == "");
    CHECK(check("a wrong secret\n" + tierd::testing::read_file_bytes(file)) == "");
  }
}

TEST_CASE("the Freshdesk fuzz entry survives degenerate inputs", "[freshdesk_fuzz]") {
  CHECK(check("") == "");
  CHECK(check("\n") == "");
  CHECK(check("no newline at all") == "");
  CHECK(check(std::string("x\n\0\0\xff", 5)) == "");
  CHECK(check(":\n{}") == "");
}
