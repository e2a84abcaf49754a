#pragma once
#include <optional>
#include <string>

#include "core/api_error.h"
#include "core/io.h"

namespace keyaos {

// The newest migration in migrations/ when the engine was built: the schema
// its SQL is written for. `wrangler d1 migrations apply` records applied
// migrations by file name in d1_migrations.
const char* required_schema_version();

// Returns a row only when the database is behind (no table at all is an SQL
// error), so a current schema reads as an empty result.
Statement schema_check_statement();

// What is wrong with the schema, or nothing when it is current.
std::optional<ApiError> schema_problem(const SqlResult& result);

}  // namespace keyaos
