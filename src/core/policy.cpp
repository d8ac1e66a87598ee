#include "core/policy.h"

#include <algorithm>
#include <charconv>

namespace tierd {

bool TierPolicy::clock_runs_in(TicketStatus s) const {
  return std::find(clock_statuses.begin(), clock_statuses.end(), s) != clock_statuses.end();
}

namespace {

std::optional<Duration> budget_by_priority(const std::optional<Duration>& budget,
                                           const std::map<Priority, Duration>& by_priority,
                                           std::optional<Priority> p) {
  if (p) {
    auto it = by_priority.find(*p);
    if (it != by_priority.end()) return it->second;
  }
  return budget;
}

}  // namespace

std::optional<Duration> TierPolicy::budget_for(std::optional<Priority> p) const {
  return budget_by_priority(budget, priority_budgets, p);
}

std::optional<Duration> ReviewPolicy::budget_for(std::optional<Priority> p) const {
  return budget_by_priority(budget, priority_budgets, p);
}

const TierPolicy* Policy::tier_at(int index) const {
  if (index < 0 || index >= static_cast<int>(tiers.size())) return nullptr;
  return &tiers[static_cast<size_t>(index)];
}

std::string Policy::tier_name(int index) const {
  const TierPolicy* t = tier_at(index);
  return t ? t->name : "none";
}

int Policy::tier_named(std::string_view name) const {
  for (size_t i = 0; i < tiers.size(); ++i) {
    if (tiers[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Policy::tier_of_group(std::optional<GroupId> group) const {
  if (!group) return -1;
  for (size_t i = 0; i < tiers.size(); ++i) {
    const auto& g = tiers[i].groups;
    if (std::find(g.begin(), g.end(), *group) != g.end()) return static_cast<int>(i);
  }
  return -1;
}

int Policy::tier_of_tag(std::string_view tag) const {
  if (tag.size() <= tags.tier_prefix.size() ||
      tag.substr(0, tags.tier_prefix.size()) != tags.tier_prefix) {
    return -1;
  }
  auto digits = tag.substr(tags.tier_prefix.size());
  int n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return -1;
  if (n < 1 || n > static_cast<int>(tiers.size())) return -1;
  return n - 1;
}

}  // namespace tierd
