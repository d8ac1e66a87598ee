#include "config/config_references.h"

#include "config/json_path.h"

namespace tierd {

std::vector<ConfigReference> config_references(const Config& config) {
  std::vector<ConfigReference> out;
  auto group = [&out](std::string path, int64_t id) {
    out.push_back({ConfigReference::Kind::kGroup, std::move(path), id});
  };
  auto user = [&out](std::string path, int64_t id) {
    out.push_back({ConfigReference::Kind::kUser, std::move(path), id});
  };
  for (size_t i = 0; i < config.tiers.size(); ++i) {
    const std::string tier = index_path("tiers", i);
    for (size_t j = 0; j < config.tiers[i].groups.size(); ++j) {
      group(index_path(tier + ".groups", j), config.tiers[i].groups[j]);
    }
  }
  if (config.review) {
    const ReviewConfig& r = *config.review;
    for (size_t j = 0; j < r.groups.size(); ++j) group(index_path("review.groups", j), r.groups[j]);
    if (r.lead_group) group("review.lead_group", *r.lead_group);
    for (size_t j = 0; j < r.reviewers.size(); ++j) {
      user(index_path("review.reviewers", j), r.reviewers[j]);
    }
  }
  for (size_t i = 0; i < config.routes.size(); ++i) {
    const std::string route = index_path("routes", i);
    group(route + ".group", config.routes[i].group);
    for (size_t j = 0; j < config.routes[i].agents.size(); ++j) {
      user(index_path(route + ".agents", j), config.routes[i].agents[j]);
    }
  }
  for (const auto& [agent, calendar] : config.availability.schedules) {
    user(child_path("availability.schedules", std::to_string(agent)), agent);
  }
  return out;
}

}  // namespace tierd
