#pragma once
#include <cstdint>
#include <string_view>

// Time values found in Google payloads. All results are Unix milliseconds or
// millisecond durations; the current time always comes in as a parameter.
namespace keyaos::google_v1internal {

// A protobuf Duration ("9s", "0.539477544s") or a Go duration
// ("539.477544ms", "1h2m3.5s"). Rounded up to whole milliseconds so a retry
// never starts before the upstream allows it.
bool parse_duration_ms(std::string_view text, int64_t& ms);

// An RFC 3339 timestamp ("2025-10-20T19:14:08Z", fractions and offsets allowed).
bool parse_rfc3339_ms(std::string_view text, int64_t& ms);

// Google's daily quotas reset at midnight US Pacific time (PST or PDT).
int64_t next_pacific_midnight_ms(int64_t now_ms);

}  // namespace keyaos::google_v1internal
