#include "protocols/kiro/calendar.h"

#include "core/civil_time.h"

namespace keyaos::kiro {

using civil::civil_from_days;
using civil::days_from_civil;
using civil::floor_div;
using civil::kMsPerDay;

namespace {

bool read_digits(std::string_view s, size_t& pos, size_t count, int64_t& value) {
  if (pos + count > s.size()) return false;
  value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

void append_padded(std::string& out, int64_t value, int width) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  if (value < 0) out.push_back('-');
  for (int i = int(digits.size()); i < width; ++i) out.push_back('0');
  out += digits;
}

}  // namespace

bool parse_iso8601_ms(std::string_view s, int64_t& epoch_ms) {
  size_t pos = 0;
  int64_t year, month, day, hour, minute, second;
  if (!read_digits(s, pos, 4, year) || !expect(s, pos, '-') || !read_digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !read_digits(s, pos, 2, day)) {
    return false;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return false;
  ++pos;
  if (!read_digits(s, pos, 2, hour) || !expect(s, pos, ':') || !read_digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !read_digits(s, pos, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) return false;
  }
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int64_t sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t oh, om;
    if (!read_digits(s, pos, 2, oh)) return false;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (!read_digits(s, pos, 2, om)) return false;
    offset_min = sign * (oh * 60 + om);
  } else {
    return false;  // a stamp without a zone is ambiguous
  }
  if (pos != s.size()) return false;
  const int64_t days = days_from_civil(year, month, day);
  epoch_ms = days * kMsPerDay + ((hour * 60 + minute - offset_min) * 60 + second) * 1000 + millis;
  return true;
}

std::string format_iso8601_ms(int64_t epoch_ms) {
  const int64_t days = floor_div(epoch_ms, kMsPerDay);
  int64_t rest = epoch_ms - days * kMsPerDay;
  int64_t y, m, d;
  civil_from_days(days, y, m, d);
  std::string out;
  append_padded(out, y, 4);
  out.push_back('-');
  append_padded(out, m, 2);
  out.push_back('-');
  append_padded(out, d, 2);
  out.push_back('T');
  append_padded(out, rest / 3600000, 2);
  rest %= 3600000;
  out.push_back(':');
  append_padded(out, rest / 60000, 2);
  rest %= 60000;
  out.push_back(':');
  append_padded(out, rest / 1000, 2);
  out.push_back('.');
  append_padded(out, rest % 1000, 3);
  out.push_back('Z');
  return out;
}

int64_t next_month_start_ms(int64_t epoch_ms) {
  int64_t y, m, d;
  civil_from_days(floor_div(epoch_ms, kMsPerDay), y, m, d);
  if (++m > 12) {
    m = 1;
    ++y;
  }
  return days_from_civil(y, m, 1) * kMsPerDay;
}

}  // namespace keyaos::kiro
