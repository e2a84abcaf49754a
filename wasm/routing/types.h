#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "billing/cost.h"

namespace keyaos::routing {

// One provider's offer of one canonical model, from the catalogue.
struct Offering {
  std::string provider_id;
  std::string model_id;           // canonical vendor/model, lower-case
  std::string upstream_model_id;  // what the provider calls it
  billing::Prices prices;         // this provider's prices (or the reference price)
  bool embedding = false;         // an embedding model: served by /v1/embeddings only
};

// An upstream credential as routing sees it (the secret stays encrypted).
struct Credential {
  std::string id;
  std::string owner_id;
  std::string provider_id;
  std::string hint;
  std::string ciphertext;
  double multiplier = 1.0;
  bool enabled = true;
  bool dead = false;
  std::string dead_reason;
  std::optional<billing::NanoUsd> quota;  // remaining USD; none = unlimited
};

}  // namespace keyaos::routing
