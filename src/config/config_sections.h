// The config loader's stages, one per concern: section readers that turn one
// top-level JSON member into its typed struct, the calendar reader, and the
// cross-reference checks that need the whole Config.
//
// Internal to the config loader; parse_config() (config.cpp) calls them in
// order on one thread. Every function reports into the reader's problems and
// leaves a field at its default when its JSON value is invalid.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"
#include "config/config_reader.h"

namespace tierd::config_detail {

// Each reads its top-level member of the document through `root`, the
// reader of the top-level object, into `config`. read_document() calls them
// in order.
void read_mode(ObjectReader& root, Config& config);
void read_listen(ObjectReader& root, Config& config);
void read_admin_listen(ObjectReader& root, Config& config);
void read_public_url(ObjectReader& root, Config& config);
void read_store(ObjectReader& root, Config& config);
// Needs the store read first: a cluster needs a PostgreSQL store.
void read_cluster(ObjectReader& root, Config& config);
// Exactly one of "zendesk" and "freshdesk"; sets config.helpdesk.
void read_helpdesk(ObjectReader& root, Config& config);
void read_webhook(ObjectReader& root, Config& config);
void read_at_risk(ObjectReader& root, Config& config);
// Need at_risk read first: tiers and the review inherit its share.
void read_tiers(ObjectReader& root, Config& config);
void read_review(ObjectReader& root, Config& config);
void read_tags(ObjectReader& root, Config& config);
void read_routes(ObjectReader& root, Config& config);
void read_routing_rules(ObjectReader& root, Config& config);
void read_availability(ObjectReader& root, Config& config);
void read_reconcile(ObjectReader& root, Config& config);
void read_audit(ObjectReader& root, Config& config);
void read_inbox(ObjectReader& root, Config& config);
void read_report(ObjectReader& root, Config& config);
void read_log(ObjectReader& root, Config& config);
void read_admin(ObjectReader& root, Config& config);

// config_calendar.cpp. Calendars are added to config.calendars even when they
// have problems, so that references to them are not reported as unknown too.
void read_calendars(ObjectReader& root, Config& config);
// Reads an IANA time zone name at `key`; reports an unknown zone.
bool read_zone_name(ObjectReader& r, std::string_view key, std::string& out, bool required);

// Every section above, in order, then the top level's unknown keys.
void read_document(ObjectReader& root, Config& config);

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
