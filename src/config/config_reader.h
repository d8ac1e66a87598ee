// Config reading helpers: walk a parsed JSON document while tracking the JSON
// path of every value, collect problems instead of stopping at the first one,
// and flag keys nobody asked for (typos).
//
// The keys an object accepts are exactly the keys its reader asks for, and a
// nested object can only be read through its parent (read_object and
// friends). So the same readers, run on no document at all, list every key
// the loader accepts (config_key_patterns() in config_keys.h). That holds as
// long as readers ask for each key whatever the document holds, and never
// walk a member's JSON by hand.
//
// Internal to the config loader (config_*.cpp). A ConfigProblems and the
// readers that write into it belong to one parse on one thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

#include "config/json_path.h"

namespace tierd::config_detail {

using json = nlohmann::json;

// Problems found so far, one line each: "<json path>: <what is wrong>".
class ConfigProblems {
 public:
  void add(const std::string& path, const std::string& what);
  bool empty() const { return lines_.empty(); }
  size_t size() const { return lines_.size(); }
  const std::vector<std::string>& lines() const { return lines_; }
  // All lines joined with '\n'.
  std::string joined() const;

 private:
  std::vector<std::string> lines_;
};

using tierd::child_path;
using tierd::index_path;
// A short rendering of a value for "got ..." messages: strings quoted and cut
// at 40 characters, numbers and literals as written, containers by kind.
std::string describe(const json& value);
// "a", "b", "c" -> "\"a\", \"b\" or \"c\"".
std::string quoted_choices(const std::vector<std::string_view>& choices);

// Tag syntax the helpdesk accepts without rewriting: lower-case ASCII letters,
// digits and _ - : / . only, at most 80 characters.
bool is_valid_tag(std::string_view tag);
// Parses a JSON number or string holding a positive int64 id.
std::optional<int64_t> parse_positive_id(std::string_view text);

// Reads the members of one JSON object. Every accessor marks its key as known;
// finish() reports the keys that were never asked for. A missing object (null
// pointer) reads as empty; a value that is not an object is reported once and
// then reads as empty too.
class ObjectReader {
 public:
  // Reads the document's top-level value, which must be an object.
  ObjectReader(const json* root, ConfigProblems& problems);
  // Reads no document: every reader below this one runs once on an absent
  // value, and the keys they ask for are collected in `patterns` (see
  // config_key_patterns() for their form).
  ObjectReader(std::set<std::string>& patterns, ConfigProblems& problems);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return child_path(path_, key); }
  bool is_object() const { return object_ != nullptr; }
  bool has(std::string_view key) const;
  ConfigProblems& problems() { return problems_; }

  // Nested objects. Each runs `read` on a reader of what member `key` holds
  // and then reports that reader's unknown keys. An absent member is not read
  // (`required` reports it); a member of the wrong type is reported.
  //
  // The member is an object.
  void read_object(std::string_view key, const std::function<void(ObjectReader&)>& read,
                   bool required = false);
  // The member is an array of objects, read one by one; `noun` names them in
  // messages ("expected an array of routes").
  void read_object_array(
      std::string_view key, std::string_view noun, bool non_empty, bool required,
      const std::function<void(ObjectReader& element, size_t index, size_t count)>& read);
  // The member is an object whose keys the admin chooses (calendar names,
  // agent ids): `read` runs once per key with a reader of that object, and
  // reads the key's value with it like any other member.
  void read_named(std::string_view key,
                  const std::function<void(ObjectReader& named, const std::string& name)>& read);

  // The raw member, or nullptr when absent. Marks the key as known.
  const json* get(std::string_view key);
  // Like get(), but reports "<path>: required but missing" when absent.
  const json* require(std::string_view key);
  // Marks a key as known without reading it.
  void allow(std::string_view key) { mark_known(key); }

  // Typed readers. Each leaves `out` unchanged when the key is absent or the
  // value is invalid (reporting the latter) and returns true only when it
  // stored a valid value.
  bool read_string(std::string_view key, std::string& out, bool required = false);
  bool read_bool(std::string_view key, bool& out);
  bool read_int(std::string_view key, int64_t& out, int64_t min, int64_t max,
                bool required = false);
  bool read_int(std::string_view key, int& out, int min, int max, bool required = false);
  // A number in (min, max) or [min, max] depending on the inclusive flags.
  bool read_fraction(std::string_view key, double& out, double min, bool min_inclusive, double max,
                     bool max_inclusive);
  // A duration string ("15m"). Zero is rejected unless allow_zero.
  bool read_duration(std::string_view key, Duration& out, bool allow_zero = false);
  bool read_duration(std::string_view key, std::optional<Duration>& out, bool allow_zero = false);
  // A string that must be one of `choices`.
  bool read_choice(std::string_view key, std::string& out,
                   const std::vector<std::string_view>& choices);
  bool read_id(std::string_view key, int64_t& out, bool required = false);
  bool read_id(std::string_view key, std::optional<int64_t>& out);
  // An array of positive ids without duplicates; `what` names them in
  // messages ("group ids").
  bool read_id_list(std::string_view key, std::vector<int64_t>& out, std::string_view what,
                    bool non_empty, bool required = false);
  // An array of non-empty strings.
  bool read_string_list(std::string_view key, std::vector<std::string>& out);
  // An array of tags (see is_valid_tag).
  bool read_tag_list(std::string_view key, std::vector<std::string>& out);
  // A single tag (see is_valid_tag).
  bool read_tag(std::string_view key, std::string& out);

  // Reports every member that no accessor asked for. Call once, last; the
  // nested readers above call it themselves.
  void finish();

 private:
  ObjectReader(const json* value, std::string path, std::string pattern, bool named,
               const ObjectReader& parent);
  // The pattern of member `key`, as config_key_patterns() spells it.
  std::string pattern_of(std::string_view key) const;
  void mark_known(std::string_view key);
  bool describing() const { return patterns_ != nullptr; }

  const json* object_ = nullptr;
  std::string path_;
  std::string pattern_;
  bool named_ = false;  // keys are chosen by the admin; their pattern is "*"
  ConfigProblems& problems_;
  std::set<std::string>* patterns_ = nullptr;  // set only when describing
  std::set<std::string, std::less<>> known_;
};

// Validates one duration value at `path` (shared with array/map readers).
std::optional<Duration> duration_at(const json& value, const std::string& path,
                                    ConfigProblems& problems, bool allow_zero);
// Validates one positive id value at `path`.
std::optional<int64_t> id_at(const json& value, const std::string& path, ConfigProblems& problems);

}  // namespace tierd::config_detail
