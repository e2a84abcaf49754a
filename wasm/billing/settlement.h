#pragma once
#include <cstdint>

namespace keyaos::billing {

// What a request served by another owner's credential moves between wallets
// (Platform mode). The consumer pays the cost plus 3 %, the contributor earns
// the cost minus 3 %, and the platform keeps the difference; each 3 % is
// rounded half up to the nano-USD once, so the three always add up exactly.
// Self-use, a failed request or a zero cost moves nothing.
struct Settlement {
  int64_t consumer_charged = 0;  // nano-USD, taken from the consumer's wallet
  int64_t provider_earned = 0;   // nano-USD, added to the contributor's wallet
  int64_t platform_fee() const { return consumer_charged - provider_earned; }
  bool moves() const { return consumer_charged != 0; }
};

inline constexpr int64_t kServiceFeePercent = 3;  // per side

Settlement settle(int64_t cost_nusd, bool cross_owner);

}  // namespace keyaos::billing
