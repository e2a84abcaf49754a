#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/secret_format.h"
#include "simdjson.h"

// Strict readers for hand-written JSON (provider definitions): every value is
// type-checked, every object rejects unknown and repeated keys, and each
// problem is reported as "<field path>: <problem>".
namespace keyaos::catalog::json {

enum class FieldStep { ok, failed, unknown };
inline FieldStep step(bool ok) { return ok ? FieldStep::ok : FieldStep::failed; }

// Sets `error` to "<path>: <what>" and returns false.
bool fail(std::string& error, std::string_view path, std::string_view what);
// "a.b" from "a" and "b"; just "b" at the root.
std::string join(std::string_view path, std::string_view key);

bool is_null(simdjson::ondemand::value& v);
bool read_string(simdjson::ondemand::value v, const std::string& path, std::string& out, std::string& error);
bool read_nonempty_string(simdjson::ondemand::value v, const std::string& path, std::string& out,
                          std::string& error);
// null, or a non-empty string.
bool read_optional_string(simdjson::ondemand::value v, const std::string& path,
                          std::optional<std::string>& out, std::string& error);
bool read_bool(simdjson::ondemand::value v, const std::string& path, bool& out, std::string& error);
// null (unknown), or a finite number >= 0.
bool read_price(simdjson::ondemand::value v, const std::string& path, std::optional<double>& out,
                std::string& error);
// null (0, unknown), or a positive integer.
bool read_count(simdjson::ondemand::value v, const std::string& path, int64_t& out, std::string& error);
// A non-empty array of distinct non-empty strings.
bool read_string_list(simdjson::ondemand::value v, const std::string& path, std::vector<std::string>& out,
                      std::string& error);

// null (no format), or a secret format object (catalog/secret_format.h),
// with bounded sizes; never throws, whatever the input.
bool read_secret_format(simdjson::ondemand::value v, const std::string& path, std::optional<SecretFormat>& out,
                        std::string& error);

// Calls handle(key, value) for each member; the handler answers ok, failed
// (error already set) or unknown (reported here as an unknown field).
template <typename Handler>
bool for_each_field_of(simdjson::ondemand::object object, const std::string& path, std::string& error,
                       Handler&& handle) {
  std::vector<std::string> seen;
  for (auto member : object) {
    simdjson::ondemand::field field;
    if (std::move(member).get(field)) return fail(error, "(document)", "is not valid JSON");
    std::string_view key_view;
    if (field.unescaped_key(false).get(key_view)) return fail(error, "(document)", "is not valid JSON");
    std::string key(key_view);
    for (const std::string& previous : seen) {
      if (previous == key) return fail(error, join(path, key), "appears twice");
    }
    seen.push_back(key);
    FieldStep result = handle(key, field.value());
    if (result == FieldStep::failed) return false;
    if (result == FieldStep::unknown) return fail(error, join(path, key), "is not a known field");
  }
  return true;
}

template <typename Handler>
bool for_each_field(simdjson::ondemand::value v, const std::string& path, std::string& error, Handler&& handle) {
  simdjson::ondemand::object object;
  if (auto code = v.get_object().get(object)) {
    if (code == simdjson::INCORRECT_TYPE) return fail(error, path, "must be an object");
    return fail(error, "(document)", "is not valid JSON");
  }
  return for_each_field_of(object, path, error, handle);
}

// Calls handle(index, value) for each element; false stops (error set).
template <typename Handler>
bool for_each_element(simdjson::ondemand::value v, const std::string& path, std::string& error,
                      Handler&& handle) {
  simdjson::ondemand::array array;
  if (auto code = v.get_array().get(array)) {
    if (code == simdjson::INCORRECT_TYPE) return fail(error, path, "must be an array");
    return fail(error, "(document)", "is not valid JSON");
  }
  size_t index = 0;
  for (auto item : array) {
    simdjson::ondemand::value element;
    if (std::move(item).get(element)) return fail(error, "(document)", "is not valid JSON");
    if (!handle(index, element)) return false;
    ++index;
  }
  return true;
}

}  // namespace keyaos::catalog::json
