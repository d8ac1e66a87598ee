// AuditFields: the top-level scalar members of an audit record's detail, read
// without building a JSON document.
//
// Reports read a handful of flat fields from millions of small details; a
// full parse allocates a tree per record only to throw it away. This reads
// the object once, keeps its top-level strings, integers, numbers and
// booleans, and skips nested objects and arrays (no report field is nested).
// A detail that is not a JSON object, or not valid JSON up to the object's
// end, reads as empty (text after the object's end is not looked at).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tierd {

class AuditFields {
 public:
  explicit AuditFields(std::string_view detail_json);

  // An integer member, also from a float (truncated) or a string that holds
  // exactly a decimal integer; nullopt when absent or of another type.
  std::optional<int64_t> integer(std::string_view key) const;
  // A string member; "" when absent or not a string.
  const std::string& text(std::string_view key) const;
  bool has(std::string_view key) const;

  struct Member {
    enum class Type { kText, kInteger, kNumber, kOther };
    std::string key;
    Type type = Type::kOther;
    int64_t integer = 0;
    double number = 0;
    std::string text;
  };

 private:
  const Member* find(std::string_view key) const;

  std::vector<Member> members_;
};

}  // namespace tierd
