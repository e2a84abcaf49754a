#pragma once
#include <cstddef>
#include <string>

#include "core/io.h"

// The catalogue sync's state in `meta`: 'sync:<provider>' (the last run's
// outcome, JSON) and 'sync_rows:<provider>' (digests of the rows it wrote).
namespace keyaos::store::sync_state {

// Every provider's state (key, value); a key is 'sync:' + the provider id.
Statement all();
// The provider id in a key that all() returned.
std::string provider_of(const std::string& state_key);
Statement put_state(const std::string& provider_id, const std::string& state_json);
Statement row_digests(const std::string& provider_id);
Statement put_row_digests(const std::string& provider_id, const std::string& digests);
// Both keys: the next sync writes every row again.
Statement forget(const std::string& provider_id);
// Both keys, once no owner has a custom provider of that id.
Statement forget_unowned_custom(const std::string& provider_id);

}  // namespace keyaos::store::sync_state
