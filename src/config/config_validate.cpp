// Checks between config sections, run after every section was read: group
// ownership, references to calendars and routes, distinct tags, listener
// clashes; and the warnings about allowed-but-risky settings.
#include <map>

#include "config/config_sections.h"

namespace tierd::config_detail {
namespace {

std::string known_names(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

void check_calendar_reference(const std::optional<std::string>& name, const std::string& path,
                              const Config& config, ConfigProblems& problems) {
  if (!name || config.calendars.count(*name) != 0) return;
  std::vector<std::string> known;
  for (const auto& [calendar_name, calendar] : config.calendars) known.push_back(calendar_name);
  problems.add(path, "unknown calendar \"" + *name + "\" (known: " + known_names(known) + ")");
}

void check_groups(const Config& config, ConfigProblems& problems) {
  std::map<GroupId, size_t> owner;  // group -> tier index
  for (size_t t = 0; t < config.tiers.size(); ++t) {
    const auto& groups = config.tiers[t].groups;
    for (size_t g = 0; g < groups.size(); ++g) {
      auto [it, inserted] = owner.emplace(groups[g], t);
      if (!inserted) {
        problems.add(index_path(index_path("tiers", t) + ".groups", g),
                     "group " + std::to_string(groups[g]) + " is already in " +
                         index_path("tiers", it->second));
      }
    }
  }
  if (!config.review) return;
  const auto& review = *config.review;
  for (size_t g = 0; g < review.groups.size(); ++g) {
    if (auto it = owner.find(review.groups[g]); it != owner.end()) {
      problems.add(index_path("review.groups", g),
                   "group " + std::to_string(review.groups[g]) + " is already in " +
                       index_path("tiers", it->second) + "; review groups must be separate");
    }
  }
  if (review.lead_group && std::find(review.groups.begin(), review.groups.end(),
                                     *review.lead_group) != review.groups.end()) {
    problems.add("review.lead_group", "group " + std::to_string(*review.lead_group) +
                                          " is one of review.groups; leads need their own group");
  }
}

void check_references(const Config& config, ConfigProblems& problems) {
  for (size_t t = 0; t < config.tiers.size(); ++t) {
    check_calendar_reference(config.tiers[t].calendar_name, index_path("tiers", t) + ".calendar",
                             config, problems);
  }
  if (config.review) {
    check_calendar_reference(config.review->calendar_name, "review.calendar", config, problems);
  }
  for (const auto& [agent, calendar] : config.availability.schedules) {
    check_calendar_reference(calendar, child_path("availability.schedules", std::to_string(agent)),
                             config, problems);
  }
  std::vector<std::string> route_names;
  for (const auto& route : config.routes) route_names.push_back(route.name);
  for (size_t i = 0; i < config.routing_rules.size(); ++i) {
    const auto& route = config.routing_rules[i].route;
    if (route.empty() || config.find_route(route) != nullptr) continue;
    problems.add(index_path("routing_rules", i) + ".route",
                 "unknown route \"" + route + "\" (known: " + known_names(route_names) + ")");
  }
}

// Tags with different meanings must differ, or tierd would read its own marks
// as requests.
void check_tags(const Config& config, ConfigProblems& problems) {
  std::vector<std::pair<std::string, std::string>> tags = {
      {"tags.escalate", config.tags.escalate},
      {"tags.deescalate", config.tags.deescalate},
      {"tags.escalated", config.tags.escalated},
      {"tags.at_risk", config.tags.at_risk},
  };
  if (config.review) tags.emplace_back("review.tag", config.review->tag);
  if (config.availability.away_user_tag) {
    tags.emplace_back("availability.away_user_tag", *config.availability.away_user_tag);
  }
  for (size_t i = 0; i < tags.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (tags[i].second == tags[j].second) {
        problems.add(tags[i].first,
                     "\"" + tags[i].second + "\" is already used by " + tags[j].first);
      }
    }
    for (const auto& [prefix_path, prefix] :
         {std::pair<std::string, std::string>{"tags.forward_prefix", config.tags.forward_prefix},
          {"tags.tier_prefix", config.tags.tier_prefix}}) {
      if (tags[i].second.rfind(prefix, 0) == 0) {
        problems.add(tags[i].first, "\"" + tags[i].second + "\" starts with " + prefix_path +
                                        " \"" + prefix + "\"");
      }
    }
  }
}

void check_listeners(const Config& config, ConfigProblems& problems) {
  if (config.admin_listen && config.admin_listen->port == config.listen.port) {
    problems.add("admin_listen.port",
                 "same port as listen.port (" + std::to_string(config.listen.port) + ")");
  }
}

void add_warnings(Config& config) {
  if (!is_loopback_host(config.listen.host) && !config.listen.tls) {
    config.warnings.push_back("listen: host \"" + config.listen.host +
                              "\" is reachable from other machines and has no tls; webhooks "
                              "would travel in clear text unless a TLS proxy is in front");
  }
  if (config.admin_listen && !is_loopback_host(config.admin_listen->host)) {
    config.warnings.push_back("admin_listen: host \"" + config.admin_listen->host +
                              "\" exposes /metrics to other machines");
  }
  if (!config.public_url.empty()) {
    auto parts = split_url(config.public_url);
    if (auto* url = std::get_if<UrlParts>(&parts);
        url && url->scheme == "http" && !is_loopback_host(url->host)) {
      config.warnings.push_back(
          "public_url: http:// for a public address; the helpdesk would send webhooks in clear "
          "text");
    }
  }
  if (!config.reconcile.enabled) {
    config.warnings.push_back(
        "reconcile.enabled: false; webhooks the helpdesk fails to deliver are never caught up");
  }
  for (size_t i = 0; i < config.routing_rules.size(); ++i) {
    if (config.routing_rules[i].when.empty()) {
      config.warnings.push_back(index_path("routing_rules", i) +
                                ".when: no conditions; the rule matches every ticket");
    }
  }
}

}  // namespace

void validate_references(Config& config, ConfigProblems& problems) {
  check_groups(config, problems);
  check_references(config, problems);
  check_tags(config, problems);
  check_listeners(config, problems);
  add_warnings(config);
}

}  // namespace tierd::config_detail
