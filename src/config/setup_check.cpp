#include "config/setup_check.h"

#include <algorithm>

namespace tierd {

const char* check_level_name(CheckLevel level) {
  switch (level) {
    case CheckLevel::kOk:
      return "ok";
    case CheckLevel::kNote:
      return "note";
    case CheckLevel::kProblem:
      return "problem";
  }
  return "problem";
}

size_t problem_count(const std::vector<SetupCheck>& checks) {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(), [](const SetupCheck& c) {
    return c.level == CheckLevel::kProblem;
  }));
}

nlohmann::json checks_json(const std::vector<SetupCheck>& checks) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : checks)
    out.push_back({{"level", check_level_name(c.level)}, {"text", c.text}});
  return out;
}

}  // namespace tierd
