#include "cli/commands.h"

#include <sstream>

#include "config/config.h"

namespace tierd {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace

int run_check_config(const std::string& path, std::ostream& out, std::ostream& err) {
  Result<Config> config = load_config_file(path);
  if (!config.ok()) {
    const Status status = config.status();
    if (status.code() != StatusCode::kInvalidArgument) {
      err << status.message() << '\n';
      return kCheckConfigUnreadable;
    }
    for (const auto& line : split_lines(status.message())) err << line << '\n';
    return kCheckConfigInvalid;
  }
  out << "config OK: " << path << '\n';
  for (const auto& warning : config->warnings) out << "warning: " << warning << '\n';
  // Secrets live outside the file, so their absence does not make the file
  // invalid; `serve` would still refuse to start without them.
  Result<Secrets> secrets = load_secrets(*config);
  if (!secrets.ok()) {
    for (const auto& line : split_lines(secrets.status().message())) {
      out << "warning: " << line << '\n';
    }
  }
  return kCheckConfigOk;
}

}  // namespace tierd
