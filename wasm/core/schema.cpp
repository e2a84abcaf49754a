#include "core/schema.h"

#include "store/schema_store.h"

#ifndef KEYAOS_SCHEMA_VERSION
#error "KEYAOS_SCHEMA_VERSION (the newest migration file name) is set by CMakeLists.txt"
#endif

namespace keyaos {
namespace {

const char* kApplyStep = "run `npx wrangler d1 migrations apply DB --remote` (or `npm run deploy`; locally, `npm start` applies them).";

}  // namespace

const char* required_schema_version() { return KEYAOS_SCHEMA_VERSION; }

Statement schema_check_statement() { return store::schema::check(required_schema_version()); }

std::optional<ApiError> schema_problem(const SqlResult& r) {
  if (!r.ok()) {
    // Any table missing means migrations never ran on this database.
    if (r.error.find("no such table") != std::string::npos)
      return ApiError{503, std::string("The D1 database has no Keyaos schema: ") + kApplyStep, "server_error", "schema_missing", {}};
    return ApiError{503, "The gateway database is unavailable: " + r.error, "server_error", "database_unavailable", {}};
  }
  if (r.at(0).empty()) return std::nullopt;
  const std::string latest = str_field(r.at(0)[0], "latest");
  if (latest.empty())
    return ApiError{503, std::string("The D1 database has no Keyaos schema: ") + kApplyStep, "server_error", "schema_missing", {}};
  return ApiError{503,
                  "The D1 database schema is behind this Worker (at " + latest + ", needs " + required_schema_version() +
                      "): " + kApplyStep,
                  "server_error", "schema_outdated", {}};
}

}  // namespace keyaos
