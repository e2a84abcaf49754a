#pragma once
#include <cstdint>

// Proleptic Gregorian calendar arithmetic on UTC days (Howard Hinnant's
// algorithms), for the reset times and dates upstreams speak in.
namespace keyaos::civil {

inline constexpr int64_t kMsPerDay = 86'400'000;
inline constexpr int64_t kMsPerHour = 3'600'000;

// Days since 1970-01-01 of year/month(1-12)/day.
int64_t days_from_civil(int64_t year, int64_t month, int64_t day);
void civil_from_days(int64_t days, int64_t& year, int64_t& month, int64_t& day);
// Division rounding toward negative infinity (days before 1970 stay whole).
int64_t floor_div(int64_t a, int64_t b);

}  // namespace keyaos::civil
