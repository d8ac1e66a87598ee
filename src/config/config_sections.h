// The config loader's stages, one per concern: section readers that turn one
// top-level JSON member into its typed struct, the calendar reader, and the
// cross-reference checks that need the whole Config.
//
// Internal to the config loader; parse_config() (config.cpp) calls them in
// order on one thread. Every function reports into `problems` and leaves a
// field at its default when its JSON value is invalid.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"
#include "config/config_reader.h"

namespace tierd::config_detail {

// `value` is the section's JSON member, or nullptr when the section is absent.
void read_mode(const json* value, Config& config, ConfigProblems& problems);
void read_listen(const json* value, Config& config, ConfigProblems& problems);
void read_admin_listen(const json* value, Config& config, ConfigProblems& problems);
void read_public_url(const json* value, Config& config, ConfigProblems& problems);
void read_store(const json* value, Config& config, ConfigProblems& problems);
void read_zendesk(const json* value, Config& config, ConfigProblems& problems);
void read_webhook(const json* value, Config& config, ConfigProblems& problems);
void read_at_risk(const json* value, Config& config, ConfigProblems& problems);
// Needs at_risk read first: tiers inherit its share.
void read_tiers(const json* value, Config& config, ConfigProblems& problems);
void read_tags(const json* value, Config& config, ConfigProblems& problems);
void read_review(const json* value, Config& config, ConfigProblems& problems);
void read_routes(const json* value, Config& config, ConfigProblems& problems);
void read_routing_rules(const json* value, Config& config, ConfigProblems& problems);
void read_availability(const json* value, Config& config, ConfigProblems& problems);
void read_reconcile(const json* value, Config& config, ConfigProblems& problems);
void read_audit(const json* value, Config& config, ConfigProblems& problems);
void read_log(const json* value, Config& config, ConfigProblems& problems);
void read_admin(const json* value, Config& config, ConfigProblems& problems);

// config_calendar.cpp. Calendars are added to config.calendars even when they
// have problems, so that references to them are not reported as unknown too.
void read_calendars(const json* value, Config& config, ConfigProblems& problems);

// config_validate.cpp: checks between sections (groups unique across tiers and
// review, calendars and routes that exist, distinct tags, ...) and fills
// config.warnings.
void validate_references(Config& config, ConfigProblems& problems);

// Splits "scheme://host[:port][/path]". Returns a message saying what is wrong
// on failure.
struct UrlParts {
  std::string scheme;  // lower-case
  std::string host;    // as written; IPv6 literals keep their brackets
  std::optional<int> port;
  std::string path;  // "" or starting with '/'
};
std::variant<UrlParts, std::string> split_url(std::string_view url);

// 127.0.0.0/8, ::1 (with or without brackets) and "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace tierd::config_detail
