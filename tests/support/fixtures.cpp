#include "support/fixtures.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tierd::testing {

std::string read_fixture(std::string_view relative_path) {
  return read_file_bytes(std::string(TIERD_FIXTURES_DIR) + "/" + std::string(relative_path));
}

std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  INFO(path.string());
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> regular_files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

nlohmann::json fixture_json(std::string_view relative_path) {
  return nlohmann::json::parse(read_fixture(relative_path));
}

}  // namespace tierd::testing
