#include "protocols/anthropic/chunk_reader.h"

#include "simdjson.h"

namespace keyaos::anthropic {
namespace od = simdjson::ondemand;
namespace {

bool string_of(od::value v, std::string& out) {
  od::json_type t;
  if (v.type().get(t) || t != od::json_type::string) return false;
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s.data(), s.size());
  return true;
}

bool read_tool(od::value v, ChunkTool& tool, int position) {
  od::object o;
  if (v.get_object().get(o)) return false;
  tool.index = position;
  for (auto item : o) {
    od::field f;
    std::string_view key;
    if (std::move(item).get(f) || f.unescaped_key(false).get(key)) return false;
    od::value fv = f.value();
    if (key == "index") {
      int64_t n = 0;
      if (!fv.get_int64().get(n) && n >= 0 && n < 1 << 20) tool.index = static_cast<int>(n);
    } else if (key == "id") {
      tool.has_id = string_of(fv, tool.id) && !tool.id.empty();
    } else if (key == "function") {
      od::object fn;
      if (fv.get_object().get(fn)) continue;
      for (auto g : fn) {
        od::field ff;
        std::string_view k2;
        if (std::move(g).get(ff) || ff.unescaped_key(false).get(k2)) return false;
        if (k2 == "name") tool.has_name = string_of(ff.value(), tool.name) && !tool.name.empty();
        else if (k2 == "arguments") string_of(ff.value(), tool.arguments);
      }
    }
  }
  return true;
}

bool read_delta(od::value v, ChunkDelta& out) {
  od::object o;
  if (v.get_object().get(o)) return true;
  std::string reasoning_alt;
  for (auto item : o) {
    od::field f;
    std::string_view key;
    if (std::move(item).get(f) || f.unescaped_key(false).get(key)) return false;
    od::value fv = f.value();
    if (key == "content") string_of(fv, out.content);
    else if (key == "reasoning_content") string_of(fv, out.reasoning);
    else if (key == "reasoning") string_of(fv, reasoning_alt);
    else if (key == "tool_calls") {
      od::array arr;
      if (fv.get_array().get(arr)) continue;
      int position = 0;
      for (auto t : arr) {
        od::value tv;
        ChunkTool tool;
        if (t.get(tv) || !read_tool(tv, tool, position++)) return false;
        out.tools.push_back(std::move(tool));
      }
    }
  }
  if (out.reasoning.empty()) out.reasoning = std::move(reasoning_alt);
  return true;
}

}  // namespace

bool read_chunk(std::string_view json, ChunkDelta& out, bool whole) {
  // One parser for the module: the engine is single-threaded.
  static od::parser parser;
  static std::string scratch;
  scratch.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  scratch.assign(json.data(), json.size());
  od::document doc;
  od::object root;
  if (parser.iterate(scratch.data(), scratch.size(), scratch.capacity()).get(doc) || doc.get_object().get(root)) return false;
  bool saw_choices = false;
  for (auto item : root) {
    od::field f;
    std::string_view key;
    if (std::move(item).get(f) || f.unescaped_key(false).get(key)) return false;
    if (key == "error") return false;
    if (key != "choices") continue;
    saw_choices = true;
    od::array choices;
    if (f.value().get_array().get(choices)) return false;
    bool first = true;
    for (auto c : choices) {
      od::object choice;
      if (c.get_object().get(choice)) return false;
      if (!first) continue;  // one answer: choice 0
      first = false;
      for (auto ci : choice) {
        od::field cf;
        std::string_view ck;
        if (std::move(ci).get(cf) || cf.unescaped_key(false).get(ck)) return false;
        if (ck == (whole ? "message" : "delta")) {
          if (!read_delta(cf.value(), out)) return false;
        } else if (ck == "finish_reason") {
          string_of(cf.value(), out.finish_reason);
        } else if (ck == "stop_reason") {
          string_of(cf.value(), out.stop_reason);
        }
      }
    }
  }
  return saw_choices;
}

}  // namespace keyaos::anthropic
