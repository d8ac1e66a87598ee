#include "core/time.h"

#include <date/date.h>

#include <cctype>
#include <charconv>

namespace tierd {
namespace {

bool parse_digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Status bad_instant(std::string_view text) {
  return Status::InvalidArgument("expected an ISO-8601 instant like 2025-03-10T09:22:41Z, got \"" +
                                 std::string(text.substr(0, 64)) + "\"");
}

}  // namespace

Result<Instant> parse_instant(std::string_view text) {
  // YYYY-MM-DDTHH:MM[:SS[.fff...]](Z|+HH:MM|-HH:MM|+HHMM|+HH). Seconds are
  // optional because some helpdesks' template placeholders render a time
  // to the minute ("2013-12-12T05:35Z").
  int y, mo, d, h, mi, s = 0;
  if (!parse_digits(text, 0, 4, y) || text.size() < 17 || text[4] != '-' ||
      !parse_digits(text, 5, 2, mo) || text[7] != '-' || !parse_digits(text, 8, 2, d) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !parse_digits(text, 11, 2, h) ||
      text[13] != ':' || !parse_digits(text, 14, 2, mi)) {
    return bad_instant(text);
  }
  size_t pos = 16;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (!parse_digits(text, pos + 1, 2, s)) return bad_instant(text);
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
        if (digits < 3) millis = millis * 10 + (text[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return bad_instant(text);
      for (int i = digits; i < 3; ++i) millis *= 10;
    }
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    int oh, om = 0;
    if (!parse_digits(text, pos + 1, 2, oh)) return bad_instant(text);
    size_t mpos = pos + 3;
    if (mpos < text.size()) {
      if (text[mpos] == ':') ++mpos;
      if (!parse_digits(text, mpos, 2, om)) return bad_instant(text);
      mpos += 2;
    }
    pos = mpos;
    if (oh > 23 || om > 59) return bad_instant(text);
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return bad_instant(text);  // an instant without a zone is ambiguous
  }
  if (pos != text.size()) return bad_instant(text);

  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return bad_instant(text);
  auto days = date::sys_days{ymd};
  Instant t = std::chrono::time_point_cast<Duration>(days) + std::chrono::hours(h) +
              std::chrono::minutes(mi) + std::chrono::seconds(s) + Duration(millis) -
              std::chrono::minutes(offset_minutes);
  return t;
}

std::string format_instant(Instant t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto ms = (t - secs).count();
  std::string out = date::format("%Y-%m-%dT%H:%M:%S", secs);
  if (ms != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, ".%03lld", static_cast<long long>(ms));
    out += buf;
  }
  out += 'Z';
  return out;
}

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument(std::string("expected a duration like \"90s\", \"15m\", \"2h\" or \"1d\" (") +
                                   why + "), got \"" + std::string(text.substr(0, 32)) + "\"");
  };
  if (text.empty()) return bad("empty");
  Duration total{0};
  size_t pos = 0;
  while (pos < text.size()) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), n);
    if (ec != std::errc() || end == text.data() + pos) return bad("missing number");
    if (n < 0) return bad("negative");
    pos = static_cast<size_t>(end - text.data());
    size_t unit_start = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    std::string_view unit = text.substr(unit_start, pos - unit_start);
    int64_t ms_per_unit;
    if (unit == "ms") ms_per_unit = 1;
    else if (unit == "s") ms_per_unit = 1000;
    else if (unit == "m") ms_per_unit = 60'000;
    else if (unit == "h") ms_per_unit = 3'600'000;
    else if (unit == "d") ms_per_unit = 86'400'000;
    else return bad(unit.empty() ? "missing unit" : "unknown unit");
    if (n > (int64_t{1} << 40) / ms_per_unit) return bad("too large");
    total += Duration(n * ms_per_unit);
  }
  return total;
}

std::string format_duration(Duration d) {
  if (d.count() < 0) return "-" + format_duration(-d);
  if (d < std::chrono::seconds(1)) return std::to_string(d.count()) + "ms";
  int64_t total_s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  int64_t days = total_s / 86400, hours = (total_s / 3600) % 24, mins = (total_s / 60) % 60,
          secs = total_s % 60;
  std::string out;
  auto part = [&](int64_t v, const char* unit) {
    if (v == 0) return;
    if (!out.empty()) out += ' ';
    out += std::to_string(v) + unit;
  };
  part(days, "d");
  part(hours, "h");
  part(mins, "m");
  part(secs, "s");
  return out;
}

}  // namespace tierd
