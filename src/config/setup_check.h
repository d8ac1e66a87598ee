// What `tierd setup` found when it compared the config with the helpdesk
// account, one line each, for every helpdesk: the plans in zendesk/ and
// freshdesk/ list these checks beside their vendor's own actions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tierd {

enum class CheckLevel {
  kOk,       // as it should be
  kNote,     // something for the admin to do that does not block tierd
  kProblem,  // must be fixed; setup changes nothing while one remains
};

struct SetupCheck {
  CheckLevel level = CheckLevel::kOk;
  std::string text;  // config path first when it is about one
};

// "ok", "note", "problem".
const char* check_level_name(CheckLevel level);
// How many of `checks` are problems.
size_t problem_count(const std::vector<SetupCheck>& checks);
// [{"level": ..., "text": ...}, ...], for `tierd setup --json`.
nlohmann::json checks_json(const std::vector<SetupCheck>& checks);

}  // namespace tierd
