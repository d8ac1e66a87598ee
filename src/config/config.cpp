// parse_config / load_config_file: JSON syntax (with comments and duplicate
// key detection), then every section, then the cross-section checks.
#include "config/config.h"
#include "config/config_keys.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config_sections.h"

namespace tierd {
namespace {

using config_detail::ConfigProblems;
using config_detail::json;

constexpr size_t kMaxConfigBytes = 4 << 20;

// Tracks where the parser is so that a key given twice in one object (the
// last one would silently win) can be reported with its JSON path.
class DuplicateKeyFinder {
 public:
  explicit DuplicateKeyFinder(ConfigProblems& problems) : problems_(problems) {}

  bool on_event(json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        frames_.push_back(
            {event == json::parse_event_t::array_start, next_child_path(), {}, 0, {}});
        break;
      case json::parse_event_t::key: {
        Frame& top = frames_.back();
        top.last_key = parsed.get<std::string>();
        if (!top.keys.insert(top.last_key).second) {
          problems_.add(config_detail::child_path(top.path, top.last_key),
                        "duplicate key (each key may appear once per object)");
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_array;
    std::string path;
    std::set<std::string> keys;
    size_t next_index;
    std::string last_key;
  };

  std::string next_child_path() const {
    if (frames_.empty()) return "";
    const Frame& top = frames_.back();
    return top.is_array ? config_detail::index_path(top.path, top.next_index)
                        : config_detail::child_path(top.path, top.last_key);
  }
  void element_done() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().next_index;
  }

  ConfigProblems& problems_;
  std::vector<Frame> frames_;
};

// nlohmann messages start with "[json.exception.parse_error.101] parse error at
// line 3, column 5: ..."; keep the part a person needs.
std::string syntax_error_text(const std::string& what) {
  std::string text = what;
  if (auto close = text.find("] ");
      text.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
    text = text.substr(close + 2);
  }
  if (text.rfind("parse error at ", 0) == 0) text = text.substr(15);
  return text;
}

}  // namespace

namespace config_detail {

void read_document(ObjectReader& root, Config& config) {
  root.allow("$schema");  // editors use it to find the JSON schema
  read_mode(root, config);
  read_listen(root, config);
  read_admin_listen(root, config);
  read_public_url(root, config);
  read_store(root, config);
  read_cluster(root, config);
  read_helpdesk(root, config);
  read_webhook(root, config);
  read_at_risk(root, config);
  read_tiers(root, config);
  read_tags(root, config);
  read_review(root, config);
  read_routes(root, config);
  read_routing_rules(root, config);
  read_availability(root, config);
  read_calendars(root, config);
  read_reconcile(root, config);
  read_report(root, config);
  read_audit(root, config);
  read_inbox(root, config);
  read_log(root, config);
  read_admin(root, config);
  root.finish();
}

}  // namespace config_detail

const char* helpdesk_vendor_name(HelpdeskVendor v) {
  switch (v) {
    case HelpdeskVendor::kZendesk:
      return "zendesk";
    case HelpdeskVendor::kFreshdesk:
      return "freshdesk";
  }
  return "zendesk";
}

const RoutePolicy* Config::find_route(std::string_view name) const {
  for (const auto& route : routes) {
    if (route.name == name) return &route;
  }
  return nullptr;
}

Result<Config> parse_config(std::string_view json_text, const std::string& source_name) {
  ConfigProblems problems;
  try {
    json root;
    {
      DuplicateKeyFinder duplicates(problems);
      try {
        root = json::parse(
            json_text,
            [&duplicates](int, json::parse_event_t event, json& parsed) {
              return duplicates.on_event(event, parsed);
            },
            /*allow_exceptions=*/true, /*ignore_comments=*/true);
      } catch (const json::parse_error& e) {
        return Status::InvalidArgument(source_name +
                                       ": invalid JSON: " + syntax_error_text(e.what()));
      }
    }
    Config config;
    config_detail::ObjectReader reader(&root, problems);
    if (reader.is_object()) {
      config_detail::read_document(reader, config);
      config_detail::validate_references(config, problems);
    }
    if (!problems.empty()) return Status::InvalidArgument(problems.joined());
    config.source_name = source_name;
    return config;
  } catch (const std::exception& e) {
    // Every value is type-checked before use; this is a bug, not bad input.
    return Status::Internal(source_name + ": config loader failed: " + e.what());
  }
}

std::set<std::string> config_key_patterns() {
  std::set<std::string> patterns;
  ConfigProblems ignored;  // every section reads as absent
  config_detail::ObjectReader describer(patterns, ignored);
  Config scratch;
  config_detail::read_document(describer, scratch);
  return patterns;
}

Result<Config> load_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::Unavailable("cannot read config file \"" + path + "\": is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int error = errno;
    std::string reason = error != 0 ? std::strerror(error) : "cannot open";
    auto code = error == ENOENT ? StatusCode::kNotFound : StatusCode::kUnavailable;
    return Status(code, "cannot read config file \"" + path + "\": " + reason);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::Unavailable("cannot read config file \"" + path + "\": read error");
  }
  std::string content = text.str();
  if (content.size() > kMaxConfigBytes) {
    return Status::InvalidArgument(path + ": larger than " + std::to_string(kMaxConfigBytes >> 20) +
                                   " MiB; is this the right file?");
  }
  return parse_config(content, path);
}

}  // namespace tierd
