#include "engine/availability_snapshot.h"

#include <nlohmann/json.hpp>

#include <charconv>

namespace tierd {

std::string availability_snapshot_json(const AvailabilitySnapshot& snapshot) {
  nlohmann::json members = nlohmann::json::object();
  for (const auto& [group, users] : snapshot.members) {
    members[std::to_string(group)] = users;
  }
  return nlohmann::json{{"members", members}, {"away", snapshot.away}}.dump();
}

Result<AvailabilitySnapshot> parse_availability_snapshot(std::string_view text) {
  const nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto invalid = [](const std::string& what) {
    return Status::InvalidArgument("availability snapshot: " + what);
  };
  if (!doc.is_object()) return invalid("not a JSON object");
  auto members = doc.find("members");
  auto away = doc.find("away");
  if (members == doc.end() || !members->is_object()) return invalid("no \"members\" object");
  if (away == doc.end() || !away->is_array()) return invalid("no \"away\" array");
  auto user_ids = [](const nlohmann::json& list, std::set<UserId>& out) {
    for (const auto& id : list) {
      if (!id.is_number_integer()) return false;
      out.insert(id.get<UserId>());
    }
    return true;
  };
  AvailabilitySnapshot snapshot;
  for (const auto& [key, users] : members->items()) {
    GroupId group = 0;
    auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), group);
    if (error != std::errc() || end != key.data() + key.size()) {
      return invalid("group id \"" + key + "\" is not a number");
    }
    if (!users.is_array() || !user_ids(users, snapshot.members[group])) {
      return invalid("the members of group " + key + " are not a list of user ids");
    }
  }
  if (!user_ids(*away, snapshot.away)) return invalid("\"away\" is not a list of user ids");
  return snapshot;
}

}  // namespace tierd
