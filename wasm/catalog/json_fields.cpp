#include "catalog/json_fields.h"

#include <cmath>

namespace keyaos::catalog::json {

namespace od = simdjson::ondemand;

bool fail(std::string& error, std::string_view path, std::string_view what) {
  error.assign(path);
  error += ": ";
  error += what;
  return false;
}

std::string join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out.push_back('.');
  out += key;
  return out;
}

namespace {

// A value of the wrong type names the field; anything else is a broken
// document, which no field is to blame for.
bool value_error(simdjson::error_code code, const std::string& path, std::string_view expected,
                 std::string& error) {
  if (code == simdjson::INCORRECT_TYPE || code == simdjson::NUMBER_ERROR ||
      code == simdjson::NUMBER_OUT_OF_RANGE || code == simdjson::BIGINT_ERROR) {
    return fail(error, path, expected);
  }
  return fail(error, "(document)", "is not valid JSON");
}

}  // namespace

bool is_null(od::value& v) {
  od::json_type type;
  if (v.type().get(type)) return false;
  return type == od::json_type::null;
}

bool read_string(od::value v, const std::string& path, std::string& out, std::string& error) {
  std::string_view text;
  if (auto code = v.get_string().get(text)) return value_error(code, path, "must be a string", error);
  out.assign(text);
  return true;
}

bool read_nonempty_string(od::value v, const std::string& path, std::string& out, std::string& error) {
  if (!read_string(v, path, out, error)) return false;
  if (out.empty()) return fail(error, path, "must not be empty");
  return true;
}

bool read_optional_string(od::value v, const std::string& path, std::optional<std::string>& out,
                          std::string& error) {
  if (is_null(v)) {
    out.reset();
    return true;
  }
  std::string_view view;
  if (auto code = v.get_string().get(view)) return value_error(code, path, "must be a string or null", error);
  std::string text(view);
  if (text.empty()) return fail(error, path, "must not be empty (use null)");
  out = std::move(text);
  return true;
}

bool read_bool(od::value v, const std::string& path, bool& out, std::string& error) {
  if (auto code = v.get_bool().get(out)) return value_error(code, path, "must be true or false", error);
  return true;
}

bool read_price(od::value v, const std::string& path, std::optional<double>& out, std::string& error) {
  if (is_null(v)) {
    out.reset();
    return true;
  }
  double value = 0;
  if (auto code = v.get_double().get(value)) return value_error(code, path, "must be a number or null", error);
  if (!std::isfinite(value) || value < 0) return fail(error, path, "must be >= 0 (null when unknown)");
  out = value;
  return true;
}

bool read_count(od::value v, const std::string& path, int64_t& out, std::string& error) {
  if (is_null(v)) {
    out = 0;
    return true;
  }
  int64_t value = 0;
  if (auto code = v.get_int64().get(value)) return value_error(code, path, "must be an integer or null", error);
  if (value <= 0) return fail(error, path, "must be positive (null when unknown)");
  out = value;
  return true;
}

bool read_string_list(od::value v, const std::string& path, std::vector<std::string>& out, std::string& error) {
  out.clear();
  bool ok = for_each_element(v, path, error, [&](size_t index, od::value element) {
    std::string item;
    std::string item_path = path + "[" + std::to_string(index) + "]";
    if (!read_nonempty_string(element, item_path, item, error)) return false;
    for (const std::string& previous : out) {
      if (previous == item) return fail(error, item_path, "\"" + item + "\" is listed twice");
    }
    out.push_back(std::move(item));
    return true;
  });
  if (!ok) return false;
  if (out.empty()) return fail(error, path, "must not be empty");
  return true;
}

}  // namespace keyaos::catalog::json
