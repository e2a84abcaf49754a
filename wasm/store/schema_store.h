#pragma once
#include <string>

#include "core/io.h"

// D1's record of applied migrations (`d1_migrations`, written by wrangler).
namespace keyaos::store::schema {

// A row (latest, possibly null) when the newest applied migration is older
// than `required_version` or none is; no row when the schema is current.
Statement check(const std::string& required_version);

}  // namespace keyaos::store::schema
