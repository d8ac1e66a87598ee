#include "config/config_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace tierd::config_detail {
namespace {

// Optimal-string-alignment distance: like Levenshtein, but a swap of two
// neighbouring characters ("hots" for "host") counts as one edit.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// A known key close enough to `key` to be what the author meant.
std::optional<std::string> closest_key(std::string_view key,
                                       const std::set<std::string, std::less<>>& known) {
  std::optional<std::string> best;
  size_t best_distance = (key.size() <= 4 ? 1 : 2) + 1;
  for (const auto& candidate : known) {
    size_t d = edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace

void ConfigProblems::add(const std::string& path, const std::string& what) {
  lines_.push_back(path + ": " + what);
}

std::string ConfigProblems::joined() const {
  std::string out;
  for (const auto& line : lines_) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::string describe(const json& value) {
  switch (value.type()) {
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (s.size() <= 40) return value.dump(-1, ' ', false, json::error_handler_t::replace);
      return json(s.substr(0, 40)).dump(-1, ' ', false, json::error_handler_t::replace) + "...";
    }
    case json::value_t::object:
      return value.empty() ? "{}" : "an object";
    case json::value_t::array:
      return value.empty() ? "[]" : "an array";
    case json::value_t::null:
      return "null";
    default:
      return value.dump();
  }
}

std::string quoted_choices(const std::vector<std::string_view>& choices) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += (i + 1 == choices.size()) ? " or " : ", ";
    out += "\"" + std::string(choices[i]) + "\"";
  }
  return out;
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 80) return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':' ||
           c == '/' || c == '.';
  });
}

std::optional<int64_t> parse_positive_id(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

std::optional<Duration> duration_at(const json& value, const std::string& path,
                                    ConfigProblems& problems, bool allow_zero) {
  if (!value.is_string()) {
    problems.add(path, "expected a duration like \"15m\", got " + describe(value));
    return std::nullopt;
  }
  auto parsed = parse_duration(value.get_ref<const std::string&>());
  if (!parsed.ok()) {
    problems.add(path, "expected a duration like \"15m\", got " + describe(value));
    return std::nullopt;
  }
  if (!allow_zero && parsed->count() == 0) {
    problems.add(path, "must be greater than zero, got " + describe(value));
    return std::nullopt;
  }
  return *parsed;
}

std::optional<int64_t> id_at(const json& value, const std::string& path, ConfigProblems& problems) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      auto u = value.get<uint64_t>();
      if (u > 0 && u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return static_cast<int64_t>(u);
      }
    } else if (value.get<int64_t>() > 0) {
      return value.get<int64_t>();
    }
  }
  problems.add(path, "expected a positive integer id, got " + describe(value));
  return std::nullopt;
}

ObjectReader::ObjectReader(const json* root, ConfigProblems& problems) : problems_(problems) {
  if (root == nullptr) return;
  if (!root->is_object()) {
    problems_.add("(top level)", "expected an object, got " + describe(*root));
    return;
  }
  object_ = root;
}

ObjectReader::ObjectReader(std::set<std::string>& patterns, ConfigProblems& problems)
    : problems_(problems), patterns_(&patterns) {}

ObjectReader::ObjectReader(const json* value, std::string path, std::string pattern, bool named,
                           const ObjectReader& parent)
    : path_(std::move(path)),
      pattern_(std::move(pattern)),
      named_(named),
      problems_(parent.problems_),
      patterns_(parent.patterns_) {
  if (value == nullptr) return;
  if (!value->is_object()) {
    problems_.add(path_, "expected an object, got " + describe(*value));
    return;
  }
  object_ = value;
}

std::string ObjectReader::pattern_of(std::string_view key) const {
  if (named_) return pattern_ + ".*";
  if (pattern_.empty()) return std::string(key);
  return pattern_ + "." + std::string(key);
}

void ObjectReader::mark_known(std::string_view key) {
  known_.insert(std::string(key));
  if (describing()) patterns_->insert(pattern_of(key));
}

bool ObjectReader::has(std::string_view key) const {
  return object_ != nullptr && object_->contains(key);
}

const json* ObjectReader::get(std::string_view key) {
  mark_known(key);
  if (object_ == nullptr) return nullptr;
  auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

// When describing, each reader below runs once on an absent value so that the
// keys it asks for are collected.
void ObjectReader::read_object(std::string_view key, const std::function<void(ObjectReader&)>& read,
                               bool required) {
  const json* value = required ? require(key) : get(key);
  if (value == nullptr && !describing()) return;
  ObjectReader member(value, path_of(key), pattern_of(key), false, *this);
  read(member);
  member.finish();
}

void ObjectReader::read_object_array(
    std::string_view key, std::string_view noun, bool non_empty, bool required,
    const std::function<void(ObjectReader& element, size_t index, size_t count)>& read) {
  const json* value = required ? require(key) : get(key);
  const std::string element_pattern = pattern_of(key) + "[]";
  if (describing()) {
    ObjectReader element(nullptr, index_path(path_of(key), 0), element_pattern, false, *this);
    read(element, 0, 1);
    return;
  }
  if (value == nullptr) return;
  if (!value->is_array() || (non_empty && value->empty())) {
    problems_.add(path_of(key), std::string(non_empty ? "expected a non-empty array of "
                                                      : "expected an array of ") +
                                    std::string(noun) + ", got " + describe(*value));
    return;
  }
  for (size_t i = 0; i < value->size(); ++i) {
    ObjectReader element(&(*value)[i], index_path(path_of(key), i), element_pattern, false, *this);
    read(element, i, value->size());
    element.finish();
  }
}

void ObjectReader::read_named(
    std::string_view key,
    const std::function<void(ObjectReader& named, const std::string& name)>& read) {
  const json* value = get(key);
  if (value == nullptr && !describing()) return;
  ObjectReader named(value, path_of(key), pattern_of(key), true, *this);
  if (describing()) {
    // One stand-in name, so that what lies below a name is described too.
    named.allow("*");
    read(named, "*");
  } else if (named.is_object()) {
    for (const auto& item : value->items()) {
      named.allow(item.key());
      read(named, item.key());
    }
  }
  named.finish();
}

const json* ObjectReader::require(std::string_view key) {
  const json* v = get(key);
  // An object that is itself missing or malformed is reported by its parent.
  if (v == nullptr && object_ != nullptr) problems_.add(path_of(key), "required but missing");
  return v;
}

bool ObjectReader::read_string(std::string_view key, std::string& out, bool required) {
  const json* v = required ? require(key) : get(key);
  if (v == nullptr) return false;
  if (!v->is_string() || v->get_ref<const std::string&>().empty()) {
    problems_.add(path_of(key), "expected a non-empty string, got " + describe(*v));
    return false;
  }
  out = v->get<std::string>();
  return true;
}

bool ObjectReader::read_bool(std::string_view key, bool& out) {
  const json* v = get(key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    problems_.add(path_of(key), "expected true or false, got " + describe(*v));
    return false;
  }
  out = v->get<bool>();
  return true;
}

bool ObjectReader::read_int(std::string_view key, int64_t& out, int64_t min, int64_t max,
                            bool required) {
  const json* v = required ? require(key) : get(key);
  if (v == nullptr) return false;
  bool in_range = false;
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    in_range = u <= static_cast<uint64_t>(max) && static_cast<int64_t>(u) >= min;
  } else if (v->is_number_integer()) {
    auto i = v->get<int64_t>();
    in_range = i >= min && i <= max;
  }
  if (!in_range) {
    problems_.add(path_of(key), "expected an integer " + std::to_string(min) + "-" +
                                    std::to_string(max) + ", got " + describe(*v));
    return false;
  }
  out = v->get<int64_t>();
  return true;
}

bool ObjectReader::read_int(std::string_view key, int& out, int min, int max, bool required) {
  int64_t wide = out;
  if (!read_int(key, wide, min, max, required)) return false;
  out = static_cast<int>(wide);
  return true;
}

bool ObjectReader::read_fraction(std::string_view key, double& out, double min, bool min_inclusive,
                                 double max, bool max_inclusive) {
  const json* v = get(key);
  if (v == nullptr) return false;
  bool ok = false;
  if (v->is_number()) {
    double d = v->get<double>();
    ok = std::isfinite(d) && (min_inclusive ? d >= min : d > min) &&
         (max_inclusive ? d <= max : d < max);
    if (ok) out = d;
  }
  if (!ok) {
    auto bound = [](double x) {
      std::string s = std::to_string(x);
      s.erase(s.find_last_not_of('0') + 1);
      if (!s.empty() && s.back() == '.') s.pop_back();
      return s;
    };
    problems_.add(path_of(key), std::string("expected a number ") + (min_inclusive ? ">= " : "> ") +
                                    bound(min) + " and " + (max_inclusive ? "<= " : "< ") +
                                    bound(max) + ", got " + describe(*v));
  }
  return ok;
}

bool ObjectReader::read_duration(std::string_view key, Duration& out, bool allow_zero) {
  const json* v = get(key);
  if (v == nullptr) return false;
  auto d = duration_at(*v, path_of(key), problems_, allow_zero);
  if (!d) return false;
  out = *d;
  return true;
}

bool ObjectReader::read_duration(std::string_view key, std::optional<Duration>& out,
                                 bool allow_zero) {
  Duration d{0};
  if (!read_duration(key, d, allow_zero)) return false;
  out = d;
  return true;
}

bool ObjectReader::read_choice(std::string_view key, std::string& out,
                               const std::vector<std::string_view>& choices) {
  const json* v = get(key);
  if (v == nullptr) return false;
  if (v->is_string() && std::find(choices.begin(), choices.end(),
                                  v->get_ref<const std::string&>()) != choices.end()) {
    out = v->get<std::string>();
    return true;
  }
  problems_.add(path_of(key), "expected " + quoted_choices(choices) + ", got " + describe(*v));
  return false;
}

bool ObjectReader::read_id(std::string_view key, int64_t& out, bool required) {
  const json* v = required ? require(key) : get(key);
  if (v == nullptr) return false;
  auto id = id_at(*v, path_of(key), problems_);
  if (!id) return false;
  out = *id;
  return true;
}

bool ObjectReader::read_id(std::string_view key, std::optional<int64_t>& out) {
  int64_t id = 0;
  if (!read_id(key, id)) return false;
  out = id;
  return true;
}

bool ObjectReader::read_id_list(std::string_view key, std::vector<int64_t>& out,
                                std::string_view what, bool non_empty, bool required) {
  const json* v = required ? require(key) : get(key);
  if (v == nullptr) return false;
  if (!v->is_array() || (non_empty && v->empty())) {
    problems_.add(path_of(key), std::string("expected a ") + (non_empty ? "non-empty " : "") +
                                    "array of " + std::string(what) + ", got " + describe(*v));
    return false;
  }
  std::vector<int64_t> ids;
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    std::string element_path = index_path(path_of(key), i);
    auto id = id_at((*v)[i], element_path, problems_);
    if (!id) {
      ok = false;
      continue;
    }
    if (std::find(ids.begin(), ids.end(), *id) != ids.end()) {
      problems_.add(element_path, std::to_string(*id) + " is listed twice");
      ok = false;
      continue;
    }
    ids.push_back(*id);
  }
  if (!ok) return false;
  out = std::move(ids);
  return true;
}

bool ObjectReader::read_string_list(std::string_view key, std::vector<std::string>& out) {
  const json* v = get(key);
  if (v == nullptr) return false;
  if (!v->is_array()) {
    problems_.add(path_of(key), "expected an array of strings, got " + describe(*v));
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (size_t i = 0; i < v->size(); ++i) {
    const json& element = (*v)[i];
    if (!element.is_string() || element.get_ref<const std::string&>().empty()) {
      problems_.add(index_path(path_of(key), i),
                    "expected a non-empty string, got " + describe(element));
      ok = false;
      continue;
    }
    values.push_back(element.get<std::string>());
  }
  if (!ok) return false;
  out = std::move(values);
  return true;
}

bool ObjectReader::read_tag_list(std::string_view key, std::vector<std::string>& out) {
  std::vector<std::string> values;
  if (!read_string_list(key, values)) return false;
  bool ok = true;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!is_valid_tag(values[i])) {
      problems_.add(index_path(path_of(key), i),
                    "invalid tag \"" + values[i] +
                        "\" (use lower-case letters, digits and _ - : / . without spaces)");
      ok = false;
    }
  }
  if (!ok) return false;
  out = std::move(values);
  return true;
}

bool ObjectReader::read_tag(std::string_view key, std::string& out) {
  const json* v = get(key);
  if (v == nullptr) return false;
  if (!v->is_string() || !is_valid_tag(v->get_ref<const std::string&>())) {
    problems_.add(path_of(key),
                  "expected a tag (lower-case letters, digits and _ - : / . without spaces), got " +
                      describe(*v));
    return false;
  }
  out = v->get<std::string>();
  return true;
}

void ObjectReader::finish() {
  if (object_ == nullptr) return;
  for (const auto& [key, value] : object_->items()) {
    if (known_.count(key) != 0) continue;
    std::string what = "unknown key";
    if (auto suggestion = closest_key(key, known_))
      what += " (did you mean \"" + *suggestion + "\"?)";
    problems_.add(path_of(key), what);
  }
}

}  // namespace tierd::config_detail
