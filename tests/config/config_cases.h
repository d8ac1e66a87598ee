// Config documents shared by the loader's tests and the JSON Schema's test:
// a valid base that touches every cross reference, and a table of bad
// configs, each breaking one thing in that base.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tierd::testing {

nlohmann::json valid_base();

struct BadCase {
  const char* what;
  std::function<void(nlohmann::json&)> mutate;
  std::string path;  // the JSON path check-config names
  std::string gist;  // words its message must contain
};

const std::vector<BadCase>& bad_cases();

}  // namespace tierd::testing
