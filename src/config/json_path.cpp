#include "config/json_path.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tierd {
namespace {

bool is_plain_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '$';
  });
}

}  // namespace

std::string child_path(const std::string& parent, std::string_view key) {
  if (!is_plain_key(key)) {
    return parent + "[" + nlohmann::json(std::string(key)).dump() + "]";
  }
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

}  // namespace tierd
