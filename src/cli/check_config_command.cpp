#include "cli/commands.h"

#include <algorithm>
#include <sstream>

#include <date/date.h>

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

std::vector<std::string> holiday_warnings(const Config& config, Instant now) {
  // Holidays are listed by hand, year by year. Past the last one a calendar
  // silently counts public holidays as working days, so an admin should hear
  // of it a season ahead.
  constexpr auto kAhead = date::days(90);
  const auto today = date::floor<date::days>(now);
  std::vector<std::string> warnings;
  for (const auto& [name, spec] : config.calendars) {
    if (spec.holidays.empty()) continue;
    date::sys_days last = spec.holidays.front().second;
    for (const auto& range : spec.holidays) last = std::max(last, range.second);
    if (last >= today + kAhead) continue;
    warnings.push_back("calendars." + name + ".holidays: the list " +
                       (last < today ? "ended" : "ends") + " on " + date::format("%F", last) +
                       "; after that public holidays count as working days until next year's "
                       "are added");
  }
  return warnings;
}

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
  // Warnings go to stderr with the problems, so a script can keep stdout's
  // one line and still show an admin what to look at.
  for (const auto& warning : config->warnings) err << "warning: " << warning << '\n';
  // Secrets live outside the file, so their absence does not make the file
  // invalid; `serve` would still refuse to start without them.
  Result<Secrets> secrets = load_secrets(*config);
  std::vector<std::string> missing;
  if (!secrets.ok()) missing = split_lines(secrets.status().message());
  for (const auto& line : missing) err << "warning: " << line << '\n';
  // Shadow mode writes nothing and so needs no API credentials, but the day
  // the admin switches to live, serve would refuse to start without them:
  // say so now, while nothing depends on it.
  if (config->mode == RunMode::kShadow) {
    Config live = *config;
    live.mode = RunMode::kLive;
    Result<Secrets> live_secrets = load_secrets(live);
    if (!live_secrets.ok()) {
      for (const auto& line : split_lines(live_secrets.status().message())) {
        if (std::find(missing.begin(), missing.end(), line) != missing.end()) continue;
        err << "warning: " << line << "; shadow mode runs without it, going live will not\n";
      }
    }
  }
  for (const auto& warning : holiday_warnings(
           *config, std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()))) {
    err << "warning: " << warning << '\n';
  }
  return kCheckConfigOk;
}

}  // namespace tierd
