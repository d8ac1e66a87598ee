// What `tierd setup` prints: lines of text for people, or, with --json, one
// JSON object that collects the same facts and ends with the result and the
// exit code. Shared by the Zendesk and the Freshdesk setup.
//
// Not thread-safe; one per run.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "config/setup_check.h"

namespace tierd {

class SetupReport {
 public:
  SetupReport(const SetupOptions& options, std::ostream& out) : options_(options), out_(out) {}

  void line(const std::string& text) {
    if (!options_.json) out_ << text << "\n";
  }
  nlohmann::json& doc() { return doc_; }
  int finish(int code, const std::string& result) {
    if (options_.json) {
      doc_["result"] = result;
      doc_["exit_code"] = code;
      out_ << doc_.dump(2) << "\n";
    } else {
      out_ << result << "\n";
    }
    return code;
  }

 private:
  const SetupOptions& options_;
  std::ostream& out_;
  nlohmann::json doc_ = nlohmann::json::object();
};

// A plan's checks, one line each, then its actions numbered; any helpdesk's
// plan (checks of config/setup_check.h, actions with a summary).
template <typename Plan>
void print_setup_plan(const Plan& plan, SetupReport& report) {
  for (const auto& c : plan.checks) {
    const char* label = c.level == CheckLevel::kOk     ? "ok      "
                        : c.level == CheckLevel::kNote ? "note    "
                                                       : "PROBLEM ";
    report.line(label + c.text);
  }
  if (plan.actions.empty()) return;
  report.line("actions:");
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    report.line("  " + std::to_string(i + 1) + ". " + plan.actions[i].summary);
  }
}

inline std::string setup_plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace tierd
