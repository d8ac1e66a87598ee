#include "reports/audit_fields.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <simdjson.h>

namespace tierd {
namespace {

namespace ondemand = simdjson::ondemand;
using Member = AuditFields::Member;

// The scalar a member holds; nested values and null/bool read as kOther. An
// error leaves `out` as it was and returns false.
bool read_scalar(ondemand::value value, Member& out) {
  ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return false;
  if (type == ondemand::json_type::string) {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return false;
    out.type = Member::Type::kText;
    out.text = text;
  } else if (type == ondemand::json_type::number) {
    ondemand::number_type kind;
    if (value.get_number_type().get(kind) != simdjson::SUCCESS) return false;
    if (kind == ondemand::number_type::signed_integer) {
      if (value.get_int64().get(out.integer) != simdjson::SUCCESS) return false;
      out.type = Member::Type::kInteger;
    } else if (kind == ondemand::number_type::floating_point_number) {
      if (value.get_double().get(out.number) != simdjson::SUCCESS) return false;
      out.type = Member::Type::kNumber;
    }
    // An unsigned integer beyond int64 is no id tierd wrote: kOther.
  }
  return true;
}

}  // namespace

AuditFields::AuditFields(std::string_view detail_json) {
  // One parser and one padded copy per thread: simdjson reads up to
  // SIMDJSON_PADDING bytes past the text, and reusing both keeps a report's
  // millions of records free of allocations.
  thread_local ondemand::parser parser;
  thread_local std::string buffer;
  buffer.reserve(detail_json.size() + simdjson::SIMDJSON_PADDING);
  buffer.assign(detail_json);
  ondemand::document doc;
  ondemand::object object;
  if (parser.iterate(buffer.data(), buffer.size(), buffer.capacity()).get(doc) !=
          simdjson::SUCCESS ||
      doc.get_object().get(object) != simdjson::SUCCESS) {
    return;
  }
  members_.reserve(16);
  for (auto field : object) {
    Member member;
    std::string_view key;
    ondemand::value value;
    bool read = field.unescaped_key().get(key) == simdjson::SUCCESS;
    if (read) member.key = key;
    if (!read || field.value().get(value) != simdjson::SUCCESS || !read_scalar(value, member)) {
      members_.clear();  // not valid JSON after all: no members, as documented
      return;
    }
    members_.push_back(std::move(member));
  }
}

const Member* AuditFields::find(std::string_view key) const {
  // Details have a dozen members at most; the last of a repeated key wins, as
  // in a parsed document.
  for (auto it = members_.rbegin(); it != members_.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

bool AuditFields::has(std::string_view key) const {
  return find(key) != nullptr;
}

std::optional<int64_t> AuditFields::integer(std::string_view key) const {
  const Member* m = find(key);
  if (m == nullptr) return std::nullopt;
  switch (m->type) {
    case Member::Type::kInteger:
      return m->integer;
    case Member::Type::kNumber:
      // Only a value an int64 can hold converts; anything else is not an id.
      if (std::isfinite(m->number) && std::fabs(m->number) < 9.2e18)
        return static_cast<int64_t>(m->number);
      return std::nullopt;
    case Member::Type::kText: {
      int64_t v = 0;
      const char* end = m->text.data() + m->text.size();
      auto [ptr, ec] = std::from_chars(m->text.data(), end, v);
      if (ec == std::errc() && ptr == end && !m->text.empty()) return v;
      return std::nullopt;
    }
    case Member::Type::kOther:
      return std::nullopt;
  }
  return std::nullopt;
}

const std::string& AuditFields::text(std::string_view key) const {
  static const std::string kEmpty;
  const Member* m = find(key);
  return m != nullptr && m->type == Member::Type::kText ? m->text : kEmpty;
}

}  // namespace tierd
