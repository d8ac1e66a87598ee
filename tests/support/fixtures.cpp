#include "support/fixtures.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

namespace tierd::testing {

std::string read_fixture(std::string_view relative_path) {
  const std::string path = std::string(TIERD_FIXTURES_DIR) + "/" + std::string(relative_path);
  std::ifstream in(path, std::ios::binary);
  INFO(path);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json fixture_json(std::string_view relative_path) {
  return nlohmann::json::parse(read_fixture(relative_path));
}

}  // namespace tierd::testing
