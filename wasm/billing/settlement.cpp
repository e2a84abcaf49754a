#include "billing/settlement.h"

namespace keyaos::billing {

Settlement settle(int64_t cost_nusd, bool cross_owner) {
  if (!cross_owner || cost_nusd <= 0) return {};
  const int64_t side = (cost_nusd * kServiceFeePercent + 50) / 100;
  return {cost_nusd + side, cost_nusd - side};
}

}  // namespace keyaos::billing
