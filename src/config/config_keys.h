// config_key_patterns(): every key the config loader accepts, for the test
// that keeps config/tierd.schema.json in step with the loader.
//
// The set is collected from the section readers themselves: they run once on
// no document, asking for every key as they do when they read one (see
// config_reader.h), so it is exactly what parse_config() accepts. Any thread
// may call it.
#pragma once

#include <set>
#include <string>

namespace tierd {

// Keys as patterns: "listen.port"; "tiers[].escalate_after" for a key of each
// element of an array; "calendars.*" for a key the admin names, and
// "calendars.*.hours.mon" below it; "$schema" at the top.
std::set<std::string> config_key_patterns();

}  // namespace tierd
