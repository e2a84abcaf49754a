#include "protocols/google_v1internal/google_time.h"

#include "core/civil_time.h"

namespace keyaos::google_v1internal {

using civil::civil_from_days;
using civil::days_from_civil;
using civil::floor_div;
using civil::kMsPerDay;
using civil::kMsPerHour;

namespace {

// 0 = Sunday.
int64_t weekday(int64_t days) { return ((days + 4) % 7 + 7) % 7; }

// The n-th Sunday (1-based) of a month, as days since the epoch.
int64_t nth_sunday(int64_t year, int64_t month, int n) {
  int64_t first = days_from_civil(year, month, 1);
  int64_t offset = (7 - weekday(first)) % 7;
  return first + offset + 7 * (n - 1);
}

// US daylight saving: from the second Sunday of March to the first Sunday of
// November, switching at 02:00 local time.
bool pacific_dst_at(int64_t utc_ms) {
  int64_t y, m, d;
  civil_from_days(floor_div(utc_ms, kMsPerDay), y, m, d);
  int64_t start = nth_sunday(y, 3, 2) * kMsPerDay + 10 * kMsPerHour;  // 02:00 PST
  int64_t end = nth_sunday(y, 11, 1) * kMsPerDay + 9 * kMsPerHour;    // 02:00 PDT
  return utc_ms >= start && utc_ms < end;
}

bool digits(std::string_view text, size_t pos, size_t count, int64_t& out) {
  if (pos + count > text.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

bool parse_duration_ms(std::string_view text, int64_t& ms) {
  if (text.empty()) return false;
  // Summed in nanoseconds; a value is whole + frac / 10^frac_digits units.
  int64_t total_ns = 0;
  size_t i = 0;
  while (i < text.size()) {
    int64_t whole = 0;
    int64_t frac = 0;
    int64_t frac_scale = 1;
    bool truncated = false;
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (whole > 1'000'000'000'000) return false;
      whole = whole * 10 + (text[i++] - '0');
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (frac_scale < 1'000'000'000) {
          frac = frac * 10 + (text[i] - '0');
          frac_scale *= 10;
        } else if (text[i] != '0') {
          truncated = true;
        }
      }
    }
    if (i == start) return false;
    size_t unit_start = i;
    while (i < text.size() && !(text[i] >= '0' && text[i] <= '9') && text[i] != '.') ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    int64_t unit_ns;
    if (unit == "h") unit_ns = 3'600'000'000'000;
    else if (unit == "m") unit_ns = 60'000'000'000;
    else if (unit == "s") unit_ns = 1'000'000'000;
    else if (unit == "ms") unit_ns = 1'000'000;
    else if (unit == "us" || unit == "\xC2\xB5s") unit_ns = 1'000;
    else if (unit == "ns") unit_ns = 1;
    else return false;
    if (whole > INT64_MAX / unit_ns / 4) return false;
    if (truncated) ++frac;  // rounds the dropped digits up
    // Units of a second or more divide evenly by 10^9; smaller ones cannot overflow.
    int64_t frac_ns = unit_ns % frac_scale == 0 ? frac * (unit_ns / frac_scale)
                                                : (frac * unit_ns + frac_scale - 1) / frac_scale;
    total_ns += whole * unit_ns + frac_ns;
    if (total_ns < 0) return false;
  }
  ms = (total_ns + 999'999) / 1'000'000;
  return true;
}

bool parse_rfc3339_ms(std::string_view text, int64_t& ms) {
  int64_t y, mo, d, h, mi, s;
  if (!digits(text, 0, 4, y) || text.size() < 19 || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
      !digits(text, 8, 2, d) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, h) ||
      text[13] != ':' || !digits(text, 14, 2, mi) || text[16] != ':' || !digits(text, 17, 2, s)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  size_t i = 19;
  int64_t frac_ms = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (n < 3) frac_ms = frac_ms * 10 + (text[i] - '0');
      ++n;
      ++i;
    }
    if (n == 0) return false;
    for (; n < 3; ++n) frac_ms *= 10;
  }
  int64_t offset_ms = 0;
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    ++i;
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    int64_t oh, om;
    if (!digits(text, i + 1, 2, oh) || i + 3 >= text.size() || text[i + 3] != ':' || !digits(text, i + 4, 2, om)) {
      return false;
    }
    offset_ms = (oh * 60 + om) * 60'000 * (text[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return false;
  }
  if (i != text.size()) return false;
  ms = days_from_civil(y, mo, d) * kMsPerDay + ((h * 60 + mi) * 60 + s) * 1000 + frac_ms - offset_ms;
  return true;
}

int64_t next_pacific_midnight_ms(int64_t now_ms) {
  int64_t offset = pacific_dst_at(now_ms) ? -7 * kMsPerHour : -8 * kMsPerHour;
  int64_t local_day = floor_div(now_ms + offset, kMsPerDay);
  int64_t next_local_midnight = (local_day + 1) * kMsPerDay;
  // Midnight never falls inside a transition hour, so the offset in force at
  // that instant follows from the date alone.
  int64_t y, m, d;
  civil_from_days(local_day + 1, y, m, d);
  int64_t day = local_day + 1;
  bool dst = day > nth_sunday(y, 3, 2) && day <= nth_sunday(y, 11, 1);
  return next_local_midnight + (dst ? 7 : 8) * kMsPerHour;
}

}  // namespace keyaos::google_v1internal
