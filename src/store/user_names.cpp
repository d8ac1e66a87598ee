#include "store/user_names.h"

#include <nlohmann/json.hpp>

#include <charconv>

namespace tierd {
namespace {

constexpr const char* kUserNamesKey = "user_names";

}  // namespace

Result<UserNameCache> read_user_names(Store& store) {
  auto stored = store.get_meta(kUserNamesKey);
  if (!stored.ok()) return stored.status();
  UserNameCache users;
  if (!*stored) return users;
  const auto doc = nlohmann::json::parse(**stored, nullptr, false);
  if (!doc.is_object() || !doc.contains("users") || !doc["users"].is_object()) return users;
  for (const auto& item : doc["users"].items()) {
    const std::string& key = item.key();
    const nlohmann::json& entry = item.value();
    UserId id = 0;
    auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (error != std::errc() || end != key.data() + key.size() || !entry.is_object()) continue;
    const auto text = [&entry](const char* name) {
      auto it = entry.find(name);
      return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto at = parse_instant(text("read_at"));
    if (!at.ok()) continue;  // read again
    users.emplace(id, CachedUser{text("name"), text("role"), *at});
  }
  return users;
}

Status write_user_names(Store& store, const UserNameCache& users) {
  nlohmann::json doc;
  doc["users"] = nlohmann::json::object();
  for (const auto& [id, user] : users) {
    doc["users"][std::to_string(id)] = {
        {"name", user.name}, {"role", user.role}, {"read_at", format_instant(user.read_at)}};
  }
  return store.put_meta(kUserNamesKey,
                        doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::map<UserId, std::string> names_of(const UserNameCache& users) {
  std::map<UserId, std::string> names;
  for (const auto& [id, user] : users) {
    if (!user.name.empty()) names.emplace(id, user.name);
  }
  return names;
}

}  // namespace tierd
