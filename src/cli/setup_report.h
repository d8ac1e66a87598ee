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

inline std::string setup_plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace tierd
