// JSON paths as the config's messages spell them ("tiers[1].escalate_after"),
// for every message that points an admin at a config key: the loader's, and
// those of tools that check the config against something else (tierd setup).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tierd {

// "listen" + "port" -> "listen.port"; "" + "mode" -> "mode"; keys that are not
// plain identifiers are quoted: calendars["eu west"].
std::string child_path(const std::string& parent, std::string_view key);
// "tiers" + 1 -> "tiers[1]".
std::string index_path(const std::string& parent, size_t index);

}  // namespace tierd
