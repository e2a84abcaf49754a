#include <catch2/catch.hpp>

#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <random>
#include <string>
#include <vector>

#include "fixtures.h"
#include "protocols/aws_eventstream/crc32.h"
#include "protocols/aws_eventstream/encoder.h"
#include "protocols/kiro/api_request.h"
#include "protocols/kiro/calendar.h"
#include "protocols/kiro/credentials.h"
#include "protocols/kiro/errors.h"
#include "protocols/kiro/json_repair.h"
#include "protocols/kiro/models.h"
#include "protocols/kiro/request_mapper.h"
#include "protocols/kiro/stream_translator.h"
#include "protocols/kiro/token_estimate.h"
#include "protocols/kiro/token_refresh.h"

using namespace keyaos;
using namespace keyaos::kiro;
using nlohmann::json;

namespace {

constexpr int64_t kNowMs = 1787394765144;  // 2026-08-22T10:32:45.144Z
const std::string kMachineId = "4f2c9d81e0b7a6354c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f70819";
const std::string kInvocationId = "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";

// The frames of one stream listed in kiro_eventstream_frames_annotated.txt.
std::string annotated_stream(const std::string& name) {
  std::istringstream in(read_fixture("kiro_eventstream_frames_annotated.txt"));
  std::string line, bytes;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("=== ", 0) == 0) {
      inside = line.rfind("=== " + name + ":", 0) == 0;
      continue;
    }
    const size_t eq = line.find("hex            = ");
    if (inside && eq != std::string::npos) bytes += from_hex(line.substr(eq + 17));
  }
  return bytes;
}

// One Kiro event frame with the usual three headers.
std::string event(const std::string& type, const std::string& payload) { return aws_eventstream::encode_event(type, payload); }

ReplyOptions options() {
  ReplyOptions o;
  o.response_id = "chatcmpl-kiro0001";
  o.created_s = 1787394765;
  o.model = "anthropic/claude-sonnet-4.5";
  o.context_window = 200000;
  o.prompt_tokens_estimate = 7;
  o.now_ms = kNowMs;
  return o;
}

struct Run {
  std::string out;
  bool failed = false;
  bool finished = false;
  bool content_started = false;
  UpstreamError error;
  Usage usage;
  double credits = 0;
};

Run translate(const std::string& bytes, const ReplyOptions& o, size_t piece = 0) {
  KiroStreamTranslator t(o);
  Run r;
  if (piece == 0) {
    t.feed(bytes, r.out);
  } else {
    for (size_t at = 0; at < bytes.size(); at += piece) t.feed(std::string_view(bytes).substr(at, piece), r.out);
  }
  r.content_started = t.content_started();
  t.finish(r.out);
  r.failed = t.failed();
  r.finished = t.finished();
  r.error = t.error();
  r.usage = t.usage();
  r.credits = t.credits();
  return r;
}

// The JSON of each `data:` event; "[DONE]" as a string.
std::vector<json> events_of(const std::string& sse) {
  std::vector<json> out;
  size_t at = 0;
  while (at < sse.size()) {
    const size_t end = sse.find("\n\n", at);
    REQUIRE(end != std::string::npos);
    const std::string line = sse.substr(at, end - at);
    REQUIRE(line.rfind("data: ", 0) == 0);
    const std::string data = line.substr(6);
    out.push_back(data == "[DONE]" ? json("[DONE]") : json::parse(data));
    at = end + 2;
  }
  return out;
}

json chunk(const json& delta, const json& finish_reason = nullptr) {
  return {{"id", "chatcmpl-kiro0001"},
          {"object", "chat.completion.chunk"},
          {"created", 1787394765},
          {"model", "anthropic/claude-sonnet-4.5"},
          {"choices", json::array({{{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}})}};
}

json usage_chunk(int64_t prompt, int64_t completion, int64_t reasoning = 0, bool estimated = true) {
  json usage = {{"prompt_tokens", prompt},
                {"completion_tokens", completion},
                {"total_tokens", prompt + completion},
                {"prompt_tokens_details", {{"cached_tokens", 0}}},
                {"completion_tokens_details", {{"reasoning_tokens", reasoning}}}};
  if (estimated) usage["estimated"] = true;
  return {{"id", "chatcmpl-kiro0001"},
          {"object", "chat.completion.chunk"},
          {"created", 1787394765},
          {"model", "anthropic/claude-sonnet-4.5"},
          {"choices", json::array()},
          {"usage", usage}};
}

// Reads an HTTP request sample: request line, headers up to a blank line
// (lines starting with '#' and trailing "  # …" notes dropped), then the body.
struct Sample {
  std::string method, url;
  HeaderList headers;
  std::string body;
};

Sample read_sample(const std::string& name) {
  Sample s;
  std::istringstream in(read_fixture(name));
  std::string line;
  std::getline(in, line);
  std::istringstream request_line(line);
  request_line >> s.method >> s.url;
  bool in_body = false;
  while (std::getline(in, line)) {
    if (in_body) {
      if (!s.body.empty()) s.body += "\n";
      s.body += line;
      continue;
    }
    if (line.empty()) {
      in_body = true;
      continue;
    }
    if (line.find_first_not_of(' ') != std::string::npos && line[line.find_first_not_of(' ')] == '#') continue;
    const size_t note = line.find("  #");
    if (note != std::string::npos) line = line.substr(0, note);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    const size_t colon = line.find(": ");
    s.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  return s;
}

// The refresh request for `c`; the test fails when it cannot be built.
UpstreamRequest built_refresh(const Credential& c, const RefreshOptions& o) {
  UpstreamRequest request;
  std::string error;
  REQUIRE(build_refresh_request(c, o, request, error));
  return request;
}

// The request is the sample's, byte for byte.
void check_matches(const UpstreamRequest& request, const Sample& sample) {
  CHECK(request.method == sample.method);
  CHECK(request.url == sample.url);
  CHECK(request.headers == sample.headers);
  CHECK(request.body == sample.body);
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

Credential social_credential() {
  auto parsed = parse_credential(read_fixture("kiro_auth_token_file_social.json"));
  REQUIRE(parsed.ok);
  return parsed.credential;
}

const char* kRegistrationJson =
    R"({"clientId":"xxxxxxxxxxxxxxxxxxxxxxdXMtZWFzdC0x","clientSecret":"eyJraWQiOi...(JWT)...","expiresAt":"2026-11-20T08:00:00.000Z"})";

}  // namespace

// ---------------------------------------------------------------- event streams

TEST_CASE("Kiro text stream becomes OpenAI SSE", "[kiro]") {
  const std::string bytes = read_fixture("kiro_eventstream_text.bin");
  const Run run = translate(bytes, options());
  CHECK_FALSE(run.failed);
  CHECK(run.finished);
  CHECK(run.content_started);
  const std::vector<json> expected = {
      chunk({{"role", "assistant"}, {"content", "Hello"}}),
      chunk({{"content", "! How can I help you today?"}}),
      chunk(json::object(), "stop"),
      // 2.1684000492095947 % of 200 000 = 4336.8 prompt tokens; the reply
      // text estimates at 10 tokens (cl100k counts 9).
      usage_chunk(4337, 10),
      "[DONE]",
  };
  CHECK(events_of(run.out) == expected);
  CHECK(run.usage.prompt_tokens == 4337);
  CHECK(run.usage.completion_tokens == 10);
  CHECK(run.usage.estimated);
  CHECK(run.usage.present);
  CHECK(run.credits == Approx(0.0148));

  SECTION("one byte at a time gives the same bytes") {
    CHECK(translate(bytes, options(), 1).out == run.out);
    CHECK(translate(bytes, options(), 5).out == run.out);
    CHECK(translate(bytes, options(), 128).out == run.out);
  }
  SECTION("the hex twin translates the same") { CHECK(translate(from_hex(read_fixture("kiro_eventstream_text.hex")), options()).out == run.out); }
  SECTION("the annotated frames are the same stream") { CHECK(annotated_stream("kiro_eventstream_text") == bytes); }
}

TEST_CASE("Kiro tool-use stream becomes OpenAI tool_calls", "[kiro]") {
  const std::string bytes = annotated_stream("kiro_eventstream_tool_use");
  REQUIRE(bytes.size() == 1202);
  const Run run = translate(bytes, options());
  CHECK_FALSE(run.failed);
  const json call_start = {{"tool_calls",
                            json::array({{{"index", 0},
                                          {"id", "tooluse_Wf1pL3b7RkqgHc0WQvJ2xA"},
                                          {"type", "function"},
                                          {"function", {{"name", "get_weather"}, {"arguments", ""}}}}})}};
  auto args = [](const std::string& fragment) {
    return json{{"tool_calls", json::array({{{"index", 0}, {"function", {{"arguments", fragment}}}}})}};
  };
  const std::vector<json> expected = {
      chunk({{"role", "assistant"}, {"content", "I'll check the weather for you."}}),
      chunk(call_start),
      chunk(args("{\"city\": \"Edinb")),
      chunk(args("urgh\", \"units\": \"c\"}")),
      chunk(json::object(), "tool_calls"),
      // 0.53 % of 200 000 = 1060; output text + tool name + arguments ≈ 24.
      usage_chunk(1060, 24),
      "[DONE]",
  };
  CHECK(events_of(run.out) == expected);
  CHECK(run.credits == Approx(0.26033884537313434));
  for (size_t piece : {1u, 3u, 64u}) CHECK(translate(bytes, options(), piece).out == run.out);

  SECTION("non-streaming") {
    const KiroCompletion c = translate_completion(bytes, options());
    REQUIRE(c.ok);
    const json body = json::parse(c.body);
    const json& message = body["choices"][0]["message"];
    CHECK(message["content"] == "I'll check the weather for you.");
    REQUIRE(message["tool_calls"].size() == 1);
    CHECK(message["tool_calls"][0] == json{{"id", "tooluse_Wf1pL3b7RkqgHc0WQvJ2xA"},
                                           {"type", "function"},
                                           {"function", {{"name", "get_weather"},
                                                         {"arguments", "{\"city\": \"Edinburgh\", \"units\": \"c\"}"}}}});
    CHECK(body["choices"][0]["finish_reason"] == "tool_calls");
    CHECK(body["object"] == "chat.completion");
    CHECK(body["usage"]["prompt_tokens"] == 1060);
    CHECK(body["usage"]["completion_tokens"] == 24);
    CHECK(c.credits == Approx(0.26033884537313434));
  }
}

TEST_CASE("Kiro text stream as one chat.completion", "[kiro]") {
  const KiroCompletion c = translate_completion(read_fixture("kiro_eventstream_text.bin"), options());
  REQUIRE(c.ok);
  const json expected = {
      {"id", "chatcmpl-kiro0001"},
      {"object", "chat.completion"},
      {"created", 1787394765},
      {"model", "anthropic/claude-sonnet-4.5"},
      {"choices",
       json::array({{{"index", 0},
                     {"message", {{"role", "assistant"}, {"content", "Hello! How can I help you today?"}, {"refusal", nullptr}}},
                     {"logprobs", nullptr},
                     {"finish_reason", "stop"}}})},
      {"usage",
       {{"prompt_tokens", 4337},
        {"completion_tokens", 10},
        {"total_tokens", 4347},
        {"prompt_tokens_details", {{"cached_tokens", 0}}},
        {"completion_tokens_details", {{"reasoning_tokens", 0}}},
        {"estimated", true}}},
  };
  CHECK(json::parse(c.body) == expected);
}

TEST_CASE("Kiro exception and error frames fail the stream", "[kiro]") {
  SECTION("both fixtures decode to one frame and fail the same way byte by byte") {
    for (const char* name : {"kiro_eventstream_exception.hex", "kiro_eventstream_error.hex"}) {
      const std::string bytes = from_hex(read_fixture(name));
      std::vector<aws_eventstream::Message> messages;
      std::string error;
      REQUIRE(aws_eventstream::decode_all(bytes, messages, error) == aws_eventstream::DecodeStatus::ok);
      REQUIRE(messages.size() == 1);
      const Run whole = translate(bytes, options()), bytewise = translate(bytes, options(), 1);
      CHECK(bytewise.failed);
      CHECK(bytewise.out == whole.out);
      CHECK(bytewise.error.message == whole.error.message);
      CHECK(bytewise.error.error_class == whole.error.error_class);
    }
    std::vector<aws_eventstream::Message> messages;
    std::string error;
    aws_eventstream::decode_all(from_hex(read_fixture("kiro_eventstream_error.hex")), messages, error);
    CHECK(messages[0].string_header(":message-type") == "error");
    CHECK(messages[0].string_header(":error-code") == "InternalServerException");
    CHECK(messages[0].payload.empty());
  }
  SECTION("throttling exception") {
    const Run run = translate(from_hex(read_fixture("kiro_eventstream_exception.hex")), options());
    CHECK(run.failed);
    CHECK_FALSE(run.finished);
    CHECK_FALSE(run.content_started);
    CHECK(run.out.empty());
    CHECK(run.error.error_class == ErrorClass::rate_limited);
    CHECK(run.error.http_status == 429);
    CHECK(run.error.message == "Too many requests, please wait before trying again.");
    CHECK(run.error.code == "ThrottlingException");
  }
  SECTION("internal error frame") {
    const Run run = translate(from_hex(read_fixture("kiro_eventstream_error.hex")), options());
    CHECK(run.failed);
    CHECK(run.out.empty());
    CHECK(run.error.error_class == ErrorClass::server);
    CHECK(run.error.message == "Encountered an unexpected error when processing the request, please try again.");
    CHECK(run.error.code == "InternalServerException");
    CHECK(error_class_fails_over(run.error.error_class));
  }
  SECTION("after content: the text is out, the stream failed") {
    const std::string bytes = event("assistantResponseEvent", R"({"content":"Partial"})") +
                              from_hex(read_fixture("kiro_eventstream_exception.hex")) +
                              event("assistantResponseEvent", R"({"content":" ignored"})");
    const Run run = translate(bytes, options(), 1);
    CHECK(run.failed);
    CHECK(run.content_started);
    CHECK(events_of(run.out) == std::vector<json>{chunk({{"role", "assistant"}, {"content", "Partial"}})});
  }
  SECTION("exception named in an event's JSON") {
    const Run run = translate(
        event("assistantResponseEvent",
              R"({"_type":"com.amazon.aws.codewhisperer#ValidationException","message":"Improperly formed request."})"),
        options());
    CHECK(run.failed);
    CHECK(run.error.error_class == ErrorClass::bad_request);
    CHECK(run.error.message == "Improperly formed request.");
    CHECK(run.error.code == "ValidationException");
  }
  SECTION("monthly limit inside the stream") {
    aws_eventstream::Message m;
    m.headers.push_back(aws_eventstream::Header::make_string(":exception-type", "ServiceQuotaExceededException"));
    m.headers.push_back(aws_eventstream::Header::make_string(":message-type", "exception"));
    m.payload = R"({"message":"You have reached the limit.","reason":"MONTHLY_REQUEST_COUNT"})";
    const Run run = translate(aws_eventstream::encode(m), options());
    CHECK(run.error.error_class == ErrorClass::quota_exhausted);
    CHECK(run.error.retry_after_ms == 826034856);  // until 2026-09-01T00:00:00Z
  }
}

TEST_CASE("broken event streams fail as stream errors, never crash", "[kiro]") {
  const std::string good = read_fixture("kiro_eventstream_text.bin");
  SECTION("corrupt prelude CRC") {
    std::string bad = good;
    bad[9] ^= 0x40;
    const Run run = translate(bad, options());
    CHECK(run.failed);
    CHECK(run.out.empty());
    CHECK(run.error.error_class == ErrorClass::stream);
    CHECK(run.error.message.find("Kiro event stream: prelude CRC mismatch") == 0);
  }
  SECTION("corrupt message CRC in the third frame") {
    std::string bad = good;
    bad[300] ^= 0x01;
    const Run run = translate(bad, options(), 1);
    CHECK(run.failed);
    CHECK(run.content_started);  // the first two frames were delivered
    CHECK(events_of(run.out).size() == 2);
    CHECK(run.error.message.find("message CRC mismatch") != std::string::npos);
  }
  SECTION("truncated") {
    const Run run = translate(good.substr(0, 500), options());
    CHECK(run.failed);
    CHECK(run.error.error_class == ErrorClass::stream);
    CHECK(run.error.message ==
          "Kiro event stream: input ended inside a message (70 of 148 bytes) (message 4 at byte 430)");
    CHECK(events_of(run.out).size() == 2);  // content went out; no finish, usage or [DONE]
  }
  SECTION("oversized length") {
    std::string bad = from_hex("7fffffff00000000");
    const uint32_t crc = aws_eventstream::crc32(reinterpret_cast<const uint8_t*>(bad.data()), 8);
    for (int shift = 24; shift >= 0; shift -= 8) bad.push_back(char((crc >> shift) & 0xFF));
    const Run run = translate(bad + good, options());
    CHECK(run.failed);
    CHECK(run.out.empty());
    CHECK(run.error.message ==
          "Kiro event stream: message length 2147483647 exceeds the limit of 16777216 bytes (message 1 at byte 0)");
  }
  SECTION("empty body") {
    const Run run = translate("", options());
    CHECK(run.failed);
    CHECK(run.error.message == "Kiro closed the stream without sending any event");
  }
  SECTION("garbage") {
    const Run run = translate("<html>502 Bad Gateway</html>", options());
    CHECK(run.failed);
    CHECK(run.error.error_class == ErrorClass::stream);
  }
}

TEST_CASE("reasoning, thinking blocks, usage and stop events", "[kiro]") {
  SECTION("reasoningContentEvent becomes reasoning_content") {
    const std::string bytes = event("reasoningContentEvent", R"({"text":"Let me think.","signature":"sig"})") +
                              event("assistantResponseEvent", R"({"content":"Done."})");
    const Run run = translate(bytes, options());
    const std::vector<json> expected = {
        chunk({{"role", "assistant"}, {"reasoning_content", "Let me think."}}),
        chunk({{"content", "Done."}}),
        chunk(json::object(), "stop"),
        // No context event: the request estimate (7) stands. "Let me think."
        // estimates at 5 tokens, with "Done." 7 in all.
        usage_chunk(7, 7, 5),
        "[DONE]",
    };
    CHECK(events_of(run.out) == expected);
    CHECK(run.usage.reasoning_tokens == 5);
  }
  SECTION("a leading <thinking> block is split off when thinking was asked for") {
    const std::string bytes = event("assistantResponseEvent", R"({"content":"<think"})") +
                              event("assistantResponseEvent", R"({"content":"ing>\nThe user said </thinking> in quotes"})") +
                              event("assistantResponseEvent", R"({"content":", so I greet.</thinking>\n\nHi"})") +
                              event("assistantResponseEvent", R"({"content":" there"})");
    ReplyOptions o = options();
    o.thinking = true;
    const KiroCompletion c = translate_completion(bytes, o);
    REQUIRE(c.ok);
    const json message = json::parse(c.body)["choices"][0]["message"];
    CHECK(message["reasoning_content"] == "The user said </thinking> in quotes, so I greet.");
    CHECK(message["content"] == "Hi there");
    // Streamed, the same pieces arrive whatever the byte split.
    const Run whole = translate(bytes, o);
    CHECK(translate(bytes, o, 1).out == whole.out);
    std::string reasoning, content;
    for (const json& e : events_of(whole.out)) {
      if (!e.is_object() || e["choices"].empty()) continue;
      const json& delta = e["choices"][0]["delta"];
      if (delta.contains("reasoning_content")) reasoning += delta["reasoning_content"].get<std::string>();
      if (delta.contains("content") && delta["content"].is_string()) content += delta["content"].get<std::string>();
    }
    CHECK(reasoning == "The user said </thinking> in quotes, so I greet.");
    CHECK(content == "Hi there");
    // Without the option the tags are plain text.
    const KiroCompletion plain = translate_completion(bytes, options());
    CHECK(json::parse(plain.body)["choices"][0]["message"]["content"] ==
          "<thinking>\nThe user said </thinking> in quotes, so I greet.</thinking>\n\nHi there");
  }
  SECTION("metadata tokenUsage is exact") {
    const std::string bytes =
        event("assistantResponseEvent", R"({"content":"Hi"})") +
        event("messageMetadataEvent",
              R"({"tokenUsage":{"uncachedInputTokens":120,"outputTokens":5,"totalTokens":1325,"cacheReadInputTokens":1000,"cacheWriteInputTokens":200,"contextUsagePercentage":0.66}})") +
        read_fixture("kiro_eventstream_text.bin").substr(430);  // a contextUsageEvent too
    const Run run = translate(bytes, options());
    CHECK(run.usage.prompt_tokens == 1320);
    CHECK(run.usage.completion_tokens == 5);
    CHECK(run.usage.cached_tokens == 1000);
    CHECK(run.usage.cache_write_tokens == 200);
    CHECK_FALSE(run.usage.estimated);
  }
  SECTION("messageStopEvent stopReason max_tokens") {
    const Run run = translate(event("assistantResponseEvent", R"({"content":"Hi"})") +
                                  event("messageStopEvent", R"({"stopReason":"max_tokens"})"),
                              options());
    CHECK(events_of(run.out)[1] == chunk(json::object(), "length"));
  }
  SECTION("unknown events are ignored") {
    const Run run = translate(event("followupPromptEvent", R"({"followupPrompt":{"content":"x"}})") +
                                  event("assistantResponseEvent", R"({"content":"Hi"})"),
                              options());
    CHECK_FALSE(run.failed);
    CHECK(events_of(run.out).size() == 4);
  }
  SECTION("a nested event stream is unwrapped") {
    aws_eventstream::Message outer;
    outer.headers.push_back(aws_eventstream::Header::make_string(":event-type", "chunk"));
    outer.headers.push_back(aws_eventstream::Header::make_string(":content-type", "application/vnd.amazon.eventstream"));
    outer.headers.push_back(aws_eventstream::Header::make_string(":message-type", "event"));
    outer.payload = event("assistantResponseEvent", R"({"content":"Inner"})");
    const Run run = translate(aws_eventstream::encode(outer), options());
    CHECK(events_of(run.out)[0] == chunk({{"role", "assistant"}, {"content", "Inner"}}));
  }
}

TEST_CASE("tool-use edge cases", "[kiro]") {
  auto tool = [](const std::string& payload) { return event("toolUseEvent", payload); };
  SECTION("empty input becomes {} and replays after stop are dropped") {
    const std::string bytes = tool(R"({"name":"now","toolUseId":"tooluse_A","input":""})") +
                              tool(R"({"name":"now","toolUseId":"tooluse_A","stop":true})") +
                              tool(R"({"name":"now","toolUseId":"tooluse_A","input":"{\"x\":1}"})") +
                              tool(R"({"name":"now","toolUseId":"tooluse_A","stop":true})");
    const KiroCompletion c = translate_completion(bytes, options());
    const json body = json::parse(c.body);
    CHECK(body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == "{}");
    CHECK(body["choices"][0]["message"]["content"].is_null());
    CHECK(body["choices"][0]["finish_reason"] == "tool_calls");
  }
  SECTION("two calls keep their own indexes") {
    const std::string bytes = tool(R"({"name":"a","toolUseId":"tooluse_1","input":"{\"q\":"})") +
                              tool(R"({"name":"b","toolUseId":"tooluse_2","input":"{}"})") +
                              tool(R"({"name":"a","toolUseId":"tooluse_1","input":"1}"})") +
                              tool(R"({"name":"b","toolUseId":"tooluse_2","stop":true})") +
                              tool(R"({"name":"a","toolUseId":"tooluse_1","stop":true})");
    const json calls = json::parse(translate_completion(bytes, options()).body)["choices"][0]["message"]["tool_calls"];
    REQUIRE(calls.size() == 2);
    CHECK(calls[0]["id"] == "tooluse_1");
    CHECK(calls[0]["function"]["arguments"] == "{\"q\":1}");
    CHECK(calls[1]["id"] == "tooluse_2");
    CHECK(calls[1]["function"]["arguments"] == "{}");
    const Run run = translate(bytes, options());
    const std::vector<json> events = events_of(run.out);
    CHECK(events[1]["choices"][0]["delta"]["tool_calls"][0]["index"] == 1);
    CHECK(events[2]["choices"][0]["delta"]["tool_calls"][0]["index"] == 0);
  }
  SECTION("a call cut off by the end of the stream is closed and reported as length") {
    const std::string bytes = tool(R"({"name":"w","toolUseId":"tooluse_C","input":"{\"path\":\"/tm"})");
    const Run run = translate(bytes, options());
    const std::vector<json> events = events_of(run.out);
    CHECK(events[1]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] == "\"}");
    CHECK(events[2] == chunk(json::object(), "length"));
  }
  SECTION("input delivered as an object") {
    const std::string bytes = tool(R"({"name":"w","toolUseId":"tooluse_D","input":{"a":[1,2]},"stop":true})");
    const json calls = json::parse(translate_completion(bytes, options()).body)["choices"][0]["message"]["tool_calls"];
    CHECK(calls[0]["function"]["arguments"] == "{\"a\":[1,2]}");
  }
}

TEST_CASE("JSON completion suffixes", "[kiro]") {
  CHECK(json_completion_suffix("{\"a\":1}").empty());
  CHECK(json_completion_suffix("{\"a\":[1,{\"b\":\"x") == "\"}]}");
  CHECK(json_completion_suffix("{\"a\":\"x\\") == "\\\"}");
  CHECK(json_completion_suffix("{\"a\":").empty());  // a missing value cannot be invented
  CHECK(json_completion_suffix("{\"a\":1,").empty());
}

// ---------------------------------------------------------------- tokens

TEST_CASE("token estimates by character class", "[kiro]") {
  CHECK(estimate_tokens("") == 0);
  CHECK(estimate_tokens("The quick brown fox jumps over the lazy dog.") == 11);  // cl100k: 10
  CHECK(estimate_tokens("for (int i = 0; i < n; ++i) {") == 14);                // cl100k: 15-16
  CHECK(estimate_tokens("你好，世界") == 5);
  CHECK(estimate_tokens("こんにちは") == 5);
  CHECK(estimate_tokens("Привет") == 3);  // 6 × 0.4 = 2.4
  CHECK(estimate_tokens("🙂") == 2);
  CHECK(estimate_tokens("1234567") == 3);
  CHECK(estimate_tokens("\n        return x;") == 1 + 2 + 1 + 1);
  const std::string mixed = "Hello, 世界! def f(x): return x**2  # 🙂 naïve café\n\n";
  TokenEstimator pieces;
  for (char c : mixed) pieces.add(std::string_view(&c, 1));
  CHECK(pieces.tokens() == estimate_tokens(mixed));
  CHECK(estimate_tokens(std::string("\xff\xfe")) == 2);  // invalid bytes count, never crash
}

TEST_CASE("token estimates do not depend on how the text is split", "[kiro]") {
  // Pieces that start, continue and break runs of every class, whole and broken UTF-8.
  const char* pieces[] = {"a", "Z", "_", "9", " ", "\t", "\n", "\r", ".", "{", "\x01", "\x7f", "\xc3\xa9", "\xc3\x9f",
                          "\xd0\x96", "\xe4\xb8\x96", "\xf0\x9f\x98\x80", "\xff", "\x80", "\xe2\x82", "\xc3", "  ", "word", "12345"};
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (int n = static_cast<int>(rng() % 30); n > 0; --n) text += pieces[rng() % std::size(pieces)];
    TokenEstimator split;
    for (size_t at = 0; at < text.size();) {
      const size_t length = 1 + rng() % 5;
      split.add(std::string_view(text).substr(at, length));
      at += length;
    }
    INFO(text);
    REQUIRE(split.tokens() == estimate_tokens(text));
  }
  // Runs continue across ASCII and accented letters, and end at a class change.
  CHECK(estimate_tokens("na\xc3\xafve") == estimate_tokens("naive"));
  CHECK(estimate_tokens("ab12") == estimate_tokens("ab") + estimate_tokens("12"));
  // A lone newline is a token, a lone space is not: 0.725 + 1 + 0.725 and 0.725 + 0.725, rounded up.
  CHECK(estimate_tokens("x\ny") == 3);
  CHECK(estimate_tokens("x y") == 2);
}

TEST_CASE("prompt token estimate of an OpenAI request", "[kiro]") {
  const json request = json::parse(R"({
    "model": "anthropic/claude-sonnet-4.5",
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Hi there"},
                                   {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]},
      {"role": "assistant", "content": null,
       "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
      {"role": "tool", "tool_call_id": "c1", "content": "ok"}
    ]})");
  // 3 priming + 4 × 4 framing + "Be brief." 4 + "Hi there" 3 + image 1000 + "f" 1 + "{}" 1 + "ok" 1
  CHECK(estimate_tokens("Be brief.") == 4);
  CHECK(estimate_tokens("Hi there") == 3);
  RequestOptions o;
  o.conversation_id = "c0ffee00-0000-4000-8000-000000000000";
  CHECK(map_chat_request(request.dump(), o).prompt_tokens_estimate == 3 + 16 + 4 + 3 + 1000 + 1 + 1 + 1);
  CHECK(map_chat_request("[]", o).prompt_tokens_estimate == 0);
}

// ---------------------------------------------------------------- credentials

TEST_CASE("social token file", "[kiro]") {
  const auto r = parse_credential(read_fixture("kiro_auth_token_file_social.json"));
  REQUIRE(r.ok);
  const Credential& c = r.credential;
  CHECK(c.refresh_token == "aorAAAAAGxxxxxxxxxxxxxxxxxxxxxxxx");
  CHECK(c.auth_method == AuthMethod::social);
  CHECK(c.region == "us-east-1");
  CHECK(c.profile_arn == "arn:aws:codewhisperer:us-east-1:123456789012:profile/ABCDEFGHIJKL");
  CHECK(c.access_token == "aoaAAAAAGxxxxxxxxxxxxxxxxxxxxxxxx");
  CHECK(c.access_token_expires_at_ms == kNowMs);
  CHECK(c.provider == "Google");
  CHECK(c.client_id.empty());
  CHECK(c.access_token_fresh(kNowMs - 120000));
  CHECK_FALSE(c.access_token_fresh(kNowMs - 30000));  // inside the 60 s margin
  CHECK(api_region(c) == "us-east-1");
  CHECK(serialize_credential(c) ==
        R"({"accessToken":"aoaAAAAAGxxxxxxxxxxxxxxxxxxxxxxxx","refreshToken":"aorAAAAAGxxxxxxxxxxxxxxxxxxxxxxxx",)"
        R"("profileArn":"arn:aws:codewhisperer:us-east-1:123456789012:profile/ABCDEFGHIJKL",)"
        R"("expiresAt":"2026-08-22T10:32:45.144Z","authMethod":"social","provider":"Google","region":"us-east-1"})");
}

TEST_CASE("IdC token file needs its client registration", "[kiro]") {
  const std::string token_file = read_fixture("kiro_auth_token_file_idc.json");
  SECTION("alone it is refused with directions") {
    const auto r = parse_credential(token_file);
    CHECK_FALSE(r.ok);
    CHECK(r.error ==
          "an IdC (Builder ID / Identity Center) login also needs clientId and clientSecret, found in "
          "~/.aws/sso/cache/0123456789abcdef0123456789abcdef01234567.json; paste that file's JSON right after "
          "kiro-auth-token.json");
  }
  SECTION("with the registration pasted after it") {
    const auto r = parse_credential(token_file + "\n" + kRegistrationJson + "\n");
    REQUIRE(r.ok);
    const Credential& c = r.credential;
    CHECK(c.auth_method == AuthMethod::idc);
    CHECK(c.refresh_token == "aorAAAAAGxxxxxxxxxxxxxxxxxxxxxxxx");
    CHECK(c.client_id == "xxxxxxxxxxxxxxxxxxxxxxdXMtZWFzdC0x");
    CHECK(c.client_secret == "eyJraWQiOi...(JWT)...");
    CHECK(c.region == "us-east-1");
    CHECK(c.provider == "BuilderId");
    CHECK(c.client_id_hash == "0123456789abcdef0123456789abcdef01234567");
    CHECK(c.profile_arn.empty());
    CHECK(c.access_token_expires_at_ms == kNowMs);  // the token's expiry, not the registration's
    // Round trip through the stored form.
    const auto again = parse_credential(serialize_credential(c));
    REQUIRE(again.ok);
    CHECK(serialize_credential(again.credential) == serialize_credential(c));
    CHECK(again.credential.client_secret == c.client_secret);
  }
  SECTION("registration first works too") {
    CHECK(parse_credential(std::string(kRegistrationJson) + token_file).ok);
  }
}

TEST_CASE("bare tokens and bad input", "[kiro]") {
  SECTION("bare refresh token") {
    const auto r = parse_credential("  aorAAAAAGabc123:def/+=\n");
    REQUIRE(r.ok);
    CHECK(r.credential.refresh_token == "aorAAAAAGabc123:def/+=");
    CHECK(r.credential.auth_method == AuthMethod::social);
    CHECK(r.credential.region == "us-east-1");
    CHECK(parse_credential("\"aorAAAAAGabc\"").credential.refresh_token == "aorAAAAAGabc");
  }
  SECTION("access tokens are refused") {
    const std::string refusal =
        "this is a Kiro access token (aoa…), which expires within the hour and cannot be renewed; "
        "paste the refresh token (aor…) or the whole ~/.aws/sso/cache/kiro-auth-token.json";
    CHECK(parse_credential("aoaAAAAAGxxxx").error == refusal);
    CHECK(parse_credential(R"({"accessToken":"aoaAAAAAGxxxx"})").error == refusal);
    CHECK(parse_credential(R"({"refreshToken":"aoaAAAAAGxxxx"})").error == refusal);
  }
  SECTION("malformed JSON") {
    const auto r = parse_credential(R"({"refreshToken": "aorAAA)");
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("the credential JSON is malformed") == 0);
    CHECK_FALSE(parse_credential(R"({"refreshToken": "aorAAA",})").ok);
    CHECK_FALSE(parse_credential(R"({"refreshToken": "aorAAA"} trailing)").ok);
    CHECK_FALSE(parse_credential("[1,2]").ok);
  }
  SECTION("other refusals") {
    CHECK(parse_credential("").error.find("the credential is empty") == 0);
    CHECK(parse_credential("sk-proj-123").error.find("not a Kiro refresh token") == 0);
    CHECK(parse_credential("ksk_abc").error.find("Kiro API keys (ksk_…) are not supported") == 0);
    CHECK(parse_credential("aor abc").error == "the refresh token contains spaces or control characters");
    CHECK(parse_credential(R"({"authMethod":"social"})").error.find("the credential JSON has no refreshToken") == 0);
    CHECK(parse_credential(R"({"refreshToken":"aorX","region":"us-east-1.evil.com/"})").error ==
          "the region \"us-east-1.evil.com/\" is not an AWS region name");
    CHECK(parse_credential(R"({"refreshToken":"aorX"}{"refreshToken":"aorY"})").error ==
          "the pasted text holds more than one refresh token; paste one credential at a time");
  }
  SECTION("snake_case fields and numeric expiry") {
    const auto r = parse_credential(
        R"({"type":"kiro","refresh_token":"aorS","access_token":"aoaS","expires_at":1787394765,"auth_method":"IdC",)"
        R"("client_id":"cid","client_secret":"csec","region":"eu-west-1","profile_arn":"arn:aws:codewhisperer:eu-central-1:1:profile/P"})");
    REQUIRE(r.ok);
    CHECK(r.credential.auth_method == AuthMethod::idc);
    CHECK(r.credential.region == "eu-west-1");
    CHECK(r.credential.access_token_expires_at_ms == 1787394765000);
    CHECK(api_region(r.credential) == "eu-central-1");
  }
}

// ---------------------------------------------------------------- refresh

TEST_CASE("social refresh request matches the sample", "[kiro]") {
  Sample sample = read_sample("kiro_refresh_social_request.txt");
  for (auto& h : sample.headers) replace_all(h.value, "<machineId: 64 hex chars>", kMachineId);
  Credential c = social_credential();
  c.refresh_token = json::parse(sample.body)["refreshToken"].get<std::string>();
  RefreshOptions o;
  o.machine_id = kMachineId;
  check_matches(built_refresh(c, o), sample);

  UpstreamRequest request;
  std::string error;
  SECTION("token origin override") {
    o.token_origin = "http://127.0.0.1:8787/";
    REQUIRE(build_refresh_request(c, o, request, error));
    CHECK(request.url == "http://127.0.0.1:8787/refreshToken");
  }
  SECTION("the credential's own machine id") {
    c.machine_id = kMachineId;
    REQUIRE(build_refresh_request(c, RefreshOptions{}, request, error));
    CHECK(request.headers[2].value == "KiroIDE-0.10.16-" + kMachineId);
  }
  SECTION("no machine id") {
    CHECK_FALSE(build_refresh_request(c, RefreshOptions{}, request, error));
    CHECK(error == "a social-login refresh needs a machine id (hex digits)");
  }
}

TEST_CASE("IdC refresh request matches the sample", "[kiro]") {
  const Sample sample = read_sample("kiro_refresh_idc_request.txt");
  const json body = json::parse(sample.body);
  Credential c;
  c.auth_method = AuthMethod::idc;
  c.refresh_token = body["refreshToken"].get<std::string>();
  c.client_id = body["clientId"].get<std::string>();
  c.client_secret = body["clientSecret"].get<std::string>();
  RefreshOptions o;
  o.invocation_id = kInvocationId;
  check_matches(built_refresh(c, o), sample);

  c.region = "eu-west-1";
  UpstreamRequest request;
  std::string error;
  REQUIRE(build_refresh_request(c, o, request, error));
  CHECK(request.url == "https://oidc.eu-west-1.amazonaws.com/token");
  CHECK_FALSE(build_refresh_request(c, RefreshOptions{}, request, error));
  CHECK(error == "an IdC refresh needs an invocation id (a UUID)");
  c.client_secret.clear();
  CHECK_FALSE(build_refresh_request(c, o, request, error));
}

TEST_CASE("refresh responses and rotated refresh tokens", "[kiro]") {
  SECTION("social: rotated token and profileArn") {
    const json sample = json::parse(read_fixture("kiro_refresh_social_response.json"));
    const RefreshOutcome r = parse_refresh_response(200, read_fixture("kiro_refresh_social_response.json"), kNowMs);
    REQUIRE(r.ok);
    CHECK(r.access_token == sample["accessToken"].get<std::string>());
    CHECK(r.expires_at_ms == kNowMs + 3600000);
    CHECK(r.refresh_token == sample["refreshToken"].get<std::string>());
    CHECK(r.refresh_token != social_credential().refresh_token);
    CHECK(r.profile_arn == "arn:aws:codewhisperer:us-east-1:123456789012:profile/ABCDEFGHIJKL");
    Credential c = social_credential();
    CHECK(apply_refresh(c, r));  // rotated: must be stored
    CHECK(c.refresh_token == r.refresh_token);
    CHECK(c.access_token == r.access_token);
    CHECK(c.access_token_expires_at_ms == kNowMs + 3600000);
    CHECK(parse_credential(serialize_credential(c)).credential.refresh_token == r.refresh_token);
    CHECK_FALSE(apply_refresh(c, r));  // same again: nothing new to store
  }
  SECTION("IdC") {
    const json sample = json::parse(read_fixture("kiro_refresh_idc_response.json"));
    const RefreshOutcome r = parse_refresh_response(200, read_fixture("kiro_refresh_idc_response.json"), kNowMs);
    REQUIRE(r.ok);
    CHECK(r.access_token == sample["accessToken"].get<std::string>());
    CHECK(r.refresh_token == sample["refreshToken"].get<std::string>());
    CHECK(r.profile_arn.empty());
    CHECK(r.expires_at_ms == kNowMs + 3600000);
  }
  SECTION("no rotation, no expiresIn") {
    const RefreshOutcome r = parse_refresh_response(200, R"({"accessToken":"aoaNEW"})", kNowMs);
    REQUIRE(r.ok);
    CHECK(r.refresh_token.empty());
    CHECK(r.expires_at_ms == kNowMs + 3600000);
    Credential c = social_credential();
    CHECK_FALSE(apply_refresh(c, r));
    CHECK(c.access_token == "aoaNEW");
  }
  SECTION("invalid_grant: the credential is dead") {
    const RefreshOutcome r = parse_refresh_response(400, read_fixture("kiro_refresh_error_invalid_grant.json"), kNowMs);
    CHECK_FALSE(r.ok);
    CHECK(r.credential_dead);
    CHECK(r.error.error_class == ErrorClass::auth);
    CHECK(r.error.code == "invalid_grant");
    CHECK(r.error.message == "Kiro credential refresh refused: Invalid refresh token provided");
  }
  SECTION("service trouble is not the credential's fault") {
    const RefreshOutcome busy = parse_refresh_response(503, "Service Unavailable", kNowMs);
    CHECK_FALSE(busy.ok);
    CHECK_FALSE(busy.credential_dead);
    CHECK(busy.error.error_class == ErrorClass::server);
    CHECK(parse_refresh_response(429, "{}", kNowMs).error.error_class == ErrorClass::rate_limited);
    const RefreshOutcome empty = parse_refresh_response(200, "{}", kNowMs);
    CHECK_FALSE(empty.ok);
    CHECK(empty.error.error_class == ErrorClass::server);
    CHECK_FALSE(parse_refresh_response(200, R"({"accessToken":"aoa bad\r\nX: y"})", kNowMs).ok);
  }
}

// ---------------------------------------------------------------- request mapping

TEST_CASE("multi-turn tool conversation with system prompt and image", "[kiro]") {
  const json request = json::parse(R"({
    "model": "anthropic/claude-sonnet-4.5",
    "stream": true,
    "messages": [
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": [
        {"type": "text", "text": "What's the weather in Edinburgh?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"}}]},
      {"role": "assistant", "content": "I'll check the weather for you.", "tool_calls": [
        {"id": "tooluse_Wf1pL3b7RkqgHc0WQvJ2xA", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\": \"Edinburgh\", \"units\": \"c\"}"}}]},
      {"role": "tool", "tool_call_id": "tooluse_Wf1pL3b7RkqgHc0WQvJ2xA", "content": "{\"temp_c\": 11, \"sky\": \"overcast\"}"},
      {"role": "user", "content": "Thanks. Anything else?"}
    ],
    "tools": [{"type": "function", "function": {
      "name": "get_weather", "description": "Get the current weather for a city",
      "parameters": {"type": "object",
                     "properties": {"city": {"type": "string"}, "units": {"type": "string", "enum": ["c", "f"]}},
                     "required": ["city", "units"]}}}],
    "tool_choice": "auto"
  })");
  RequestOptions o;
  o.conversation_id = "7c1e2d3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f";
  o.profile_arn = "arn:aws:codewhisperer:us-east-1:123456789012:profile/ABCDEFGHIJKL";
  const MappedRequest mapped = map_chat_request(request.dump(), o);
  REQUIRE(mapped.ok);
  CHECK(mapped.model_id == "claude-sonnet-4.5");
  CHECK_FALSE(mapped.thinking);
  CHECK(json::parse(mapped.body) == json::parse(read_fixture("kiro_generateAssistantResponse_request.json")));
}

TEST_CASE("minimal request", "[kiro]") {
  const json request = json::parse(R"({"model":"anthropic/claude-sonnet-4.5","messages":[{"role":"user","content":"Say hello"}]})");
  RequestOptions o;
  o.conversation_id = "0b8f6a52-1c3d-4e5f-8a9b-0c1d2e3f4a5b";
  o.profile_arn = "arn:aws:codewhisperer:us-east-1:123456789012:profile/ABCDEFGHIJKL";
  const MappedRequest mapped = map_chat_request(request.dump(), o);
  REQUIRE(mapped.ok);
  CHECK(json::parse(mapped.body) == json::parse(read_fixture("kiro_generateAssistantResponse_request_minimal.json")));
  // Without a profileArn (IdC logins) the field is left out.
  o.profile_arn = {};
  CHECK_FALSE(json::parse(map_chat_request(request.dump(), o).body).contains("profileArn"));
}

TEST_CASE("request mapping rules", "[kiro]") {
  RequestOptions o;
  o.conversation_id = "c0ffee00-0000-4000-8000-000000000000";
  auto map = [&](const char* text) {
    const MappedRequest m = map_chat_request(text, o);
    REQUIRE(m.ok);
    return json::parse(m.body)["conversationState"];
  };
  auto current = [](const json& state) { return state["currentMessage"]["userInputMessage"]; };

  SECTION("system and developer messages lead the first user turn, behind the thinking switch") {
    const json state = map(R"({"model":"claude-sonnet-4-5-20250929","reasoning_effort":"high","messages":[
      {"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},
      {"role":"developer","content":[{"type":"text","text":"Use metric."}]},{"role":"user","content":"More"}]})");
    CHECK(current(state)["modelId"] == "claude-sonnet-4.5");
    CHECK(current(state)["content"] ==
          "<thinking_mode>enabled</thinking_mode><max_thinking_length>32000</max_thinking_length>\n"
          "Be brief.\n\nUse metric.\n\nHi\n\nMore");
    CHECK_FALSE(state.contains("history"));
  }
  SECTION("consecutive turns merge; prefill is dropped; empty assistant content becomes a space") {
    const json state = map(R"({"model":"auto","messages":[
      {"role":"user","content":"A"},{"role":"user","content":"B"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"ls","arguments":"not json"}}]},
      {"role":"tool","tool_call_id":"t1","content":""},
      {"role":"assistant","content":"Prefill"}]})");
    REQUIRE(state["history"].size() == 2);
    CHECK(state["history"][0]["userInputMessage"]["content"] == "A\n\nB");
    CHECK(state["history"][1]["assistantResponseMessage"] ==
          json{{"content", " "}, {"toolUses", json::array({{{"toolUseId", "t1"}, {"name", "ls"}, {"input", json::object()}}})}});
    CHECK(current(state)["content"] == "Tool results provided.");
    CHECK(current(state)["modelId"] == "auto");
    CHECK(current(state)["userInputMessageContext"]["toolResults"] ==
          json::array({{{"toolUseId", "t1"}, {"content", json::array({{{"text", "(no output)"}}})}, {"status", "success"}}}));
    // "ls" was never declared: a stub keeps Kiro from refusing the history.
    CHECK(current(state)["userInputMessageContext"]["tools"] ==
          json::array({{{"toolSpecification",
                         {{"name", "ls"},
                          {"description", "Tool used earlier in this conversation."},
                          {"inputSchema", {{"json", {{"type", "object"}, {"properties", json::object()}}}}}}}}}));
    CHECK(state["agentTaskType"] == "vibe");
  }
  SECTION("unpaired tool uses are dropped and unpaired results become text") {
    const json state = map(R"({"model":"auto","messages":[
      {"role":"user","content":"Go"},
      {"role":"assistant","content":"On it","tool_calls":[
        {"id":"t1","type":"function","function":{"name":"a","arguments":"{}"}},
        {"id":"t2","type":"function","function":{"name":"b","arguments":"{}"}}]},
      {"role":"tool","tool_call_id":"t1","content":"one"},
      {"role":"tool","tool_call_id":"zz","content":"stray"}]})");
    CHECK(state["history"][1]["assistantResponseMessage"]["toolUses"].size() == 1);
    CHECK(state["history"][1]["assistantResponseMessage"]["toolUses"][0]["toolUseId"] == "t1");
    CHECK(current(state)["content"] == "Result of tool call zz:\nstray");
    CHECK(current(state)["userInputMessageContext"]["toolResults"].size() == 1);
  }
  SECTION("tool_choice and response_format become instructions") {
    const json state = map(R"({"model":"auto","messages":[{"role":"user","content":"Q"}],
      "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":null,"required":null}}}],
      "tool_choice":{"type":"function","function":{"name":"f"}},
      "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"}}}})");
    CHECK(current(state)["content"] ==
          "Q\n\nYou must call the tool `f` in your reply.\n\nReply with one valid JSON value only, without any other "
          "text or code fences, matching this JSON Schema:\n{\"type\":\"object\"}");
    // Null keywords are repaired; a missing description falls back to the name.
    CHECK(current(state)["userInputMessageContext"]["tools"][0]["toolSpecification"] ==
          json{{"name", "f"},
               {"description", "f"},
               {"inputSchema", {{"json", {{"type", "object"}, {"properties", json::object()}, {"required", json::array()}}}}}});
  }
  SECTION("images: only base64 data URLs of supported formats") {
    auto attempt = [&](const std::string& url) {
      json request = {{"model", "auto"},
                      {"messages", json::array({{{"role", "user"},
                                                 {"content", json::array({{{"type", "image_url"}, {"image_url", {{"url", url}}}}})}}})}};
      return map_chat_request(request.dump(), o);
    };
    const MappedRequest ok = attempt("data:image/JPEG;base64,/9j/4AAQ");
    REQUIRE(ok.ok);
    const json msg = json::parse(ok.body)["conversationState"]["currentMessage"]["userInputMessage"];
    CHECK(msg["images"] == json::array({{{"format", "jpeg"}, {"source", {{"bytes", "/9j/4AAQ"}}}}}));
    CHECK(msg["content"] == "continue");
    CHECK(attempt("https://example.com/cat.png").error ==
          "Kiro takes images only as base64 data: URLs; remote image URLs are not supported");
    CHECK(attempt("data:image/bmp;base64,Qk0=").error == "Kiro accepts png, jpeg, gif and webp images, not image/bmp");
  }
  SECTION("the body is read once, in any member order; the caller's model wins over the body's") {
    RequestOptions routed = o;
    routed.model = "claude-haiku-4.5";
    const MappedRequest m =
        map_chat_request(R"({"messages":[{"content":"Hi","role":"user"}],"model":"anthropic/claude-sonnet-4.5","model":"auto"})", routed);
    REQUIRE(m.ok);
    CHECK(m.model_id == kiro_model_id("claude-haiku-4.5"));
    CHECK(json::parse(m.body)["conversationState"]["currentMessage"]["userInputMessage"]["content"] == "Hi");
    // A member given twice counts as the last.
    CHECK(map_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"A"}],"messages":[]})", o).error ==
          "the request has no messages");
    CHECK(map_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"x"}]} x)", o).error == "the request body is not valid JSON");
    CHECK(map_chat_request("[1]", o).error == "the request body must be a JSON object");
    // Broken where the first stage stops (not UTF-8) and deep inside a member the pass skips.
    CHECK(map_chat_request("{\"model\":\"\xff\xfe\"}", o).error == "the request body is not valid JSON");
    CHECK(map_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"x"}],"tools":[tru, 1x, {"a" "b"}]})", o).error ==
          "the request body is not valid JSON");
    CHECK(map_chat_request("[1,", o).error == "the request body is not valid JSON");
  }
  SECTION("call arguments that are not a JSON object, or nest too deep, become {}") {
    const std::string deep = "{\"a\":" + std::string(500, '[') + std::string(500, ']') + "}";
    for (const std::string& arguments : {deep, std::string("[1]"), std::string("{\"a\":1} x")}) {
      INFO(arguments);
      const json request = {{"model", "auto"},
                            {"messages", json::array({{{"role", "user"}, {"content", "Go"}},
                                                      {{"role", "assistant"},
                                                       {"tool_calls", json::array({{{"id", "t1"}, {"function", {{"name", "f"}, {"arguments", arguments}}}}})}},
                                                      {{"role", "tool"}, {"tool_call_id", "t1"}, {"content", "ok"}}})}};
      const MappedRequest m = map_chat_request(request.dump(), o);
      REQUIRE(m.ok);
      CHECK(json::parse(m.body)["conversationState"]["history"][1]["assistantResponseMessage"]["toolUses"][0]["input"] == json::object());
    }
  }
  SECTION("errors") {
    CHECK(map_chat_request(R"({"model":"auto","messages":[]})", o).error == "the request has no messages");
    CHECK(map_chat_request(R"({"messages":[{"role":"user","content":"x"}]})", o).error == "the request has no model");
    CHECK(map_chat_request(R"({"model":"auto","messages":[{"role":"assistant","content":"x"}]})", o).error ==
          "the request has no user message");
    CHECK(map_chat_request(R"({"model":"auto","messages":[{"role":"robot","content":"x"}]})", o).error ==
          "unsupported message role \"robot\"");
    json long_name = json::parse(R"({"model":"auto","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{}}]})");
    long_name["tools"][0]["function"]["name"] = std::string(65, 'n');
    CHECK(map_chat_request(long_name.dump(), o).error.find("is longer than 64 characters") != std::string::npos);
    CHECK(map_chat_request(R"({"model":"auto","messages":[{"role":"user","content":"x"}]})", RequestOptions{}).error ==
          "a conversation id is required");
  }
}

TEST_CASE("model ids", "[kiro]") {
  CHECK(kiro_model_id("anthropic/claude-sonnet-4.5") == "claude-sonnet-4.5");
  CHECK(kiro_model_id("anthropic/claude-opus-4.6") == "claude-opus-4.6");
  CHECK(kiro_model_id("anthropic/claude-3.7-sonnet") == "CLAUDE_3_7_SONNET_20250219_V1_0");
  CHECK(kiro_model_id("deepseek/deepseek-v3.2") == "deepseek-3.2");
  CHECK(kiro_model_id("claude-sonnet-4-5-20250929") == "claude-sonnet-4.5");
  CHECK(kiro_model_id("claude-opus-4-6-thinking") == "claude-opus-4.6");
  CHECK(kiro_model_id("Claude-Haiku-4-5") == "claude-haiku-4.5");
  CHECK(kiro_model_id("claude-sonnet-4-20250514") == "claude-sonnet-4");
  CHECK(kiro_model_id("auto") == "auto");
  CHECK(kiro_model_id("vendor/Some-New-Model") == "Some-New-Model");
  CHECK(context_window("claude-sonnet-4.6") == 1000000);
  CHECK(context_window("claude-sonnet-4.5") == 200000);
  CHECK(context_window("unknown") == 200000);
  size_t count = 0;
  const KiroModel* models = kiro_models(count);
  CHECK(count == 14);
  CHECK(models[0].canonical_id == "anthropic/claude-sonnet-4.5");
}

TEST_CASE("generateAssistantResponse headers match the sample", "[kiro]") {
  Sample sample = read_sample("kiro_http_headers.txt");
  HeaderList expected;
  for (auto h : sample.headers) {
    if (h.name == "Host" || h.name == "Connection") continue;  // the HTTP client's own
    replace_all(h.value, "<accessToken \"aoa...\">", "aoaTOKEN");
    replace_all(h.value, "<machineId>", kMachineId);
    replace_all(h.value, "<uuid4 per request>", kInvocationId);
    expected.push_back(h);
  }
  ApiRequestOptions o;
  o.machine_id = kMachineId;
  o.invocation_id = kInvocationId;
  CHECK(api_headers("aoaTOKEN", o) == expected);
  CHECK(api_headers("aoa TOKEN\r\n", o).empty());

  Credential c = social_credential();
  CHECK(generate_url(c) == sample.url);
  c.profile_arn = "arn:aws:codewhisperer:eu-central-1:123456789012:profile/X";
  CHECK(generate_url(c) == "https://q.eu-central-1.amazonaws.com/generateAssistantResponse");
  CHECK(generate_url(c, "http://localhost:9000/") == "http://localhost:9000/generateAssistantResponse");

  UpstreamRequest request;
  std::string error;
  REQUIRE(build_generate_request(social_credential(), "{}", o, request, error));
  CHECK(request.method == "POST");
  CHECK(request.url == sample.url);
  CHECK(request.headers[2] == HttpHeader{"Authorization", "Bearer " + social_credential().access_token});
  CHECK(request.body == "{}");
}

// ---------------------------------------------------------------- HTTP errors

TEST_CASE("Kiro HTTP errors are classified for routing", "[kiro]") {
  SECTION("400 improperly formed") {
    const UpstreamError e = classify_error(400, read_fixture("kiro_error_400_improperly_formed.json"), kNowMs);
    CHECK(e.error_class == ErrorClass::bad_request);
    CHECK(e.http_status == 400);
    CHECK(e.message == "Improperly formed request.");
    CHECK(e.type == "invalid_request_error");
    CHECK_FALSE(error_class_fails_over(e.error_class));
  }
  SECTION("402 monthly limit: exhausted until the month turns") {
    const UpstreamError e = classify_error(402, read_fixture("kiro_error_402_monthly_limit.json"), kNowMs);
    CHECK(e.error_class == ErrorClass::quota_exhausted);
    CHECK(e.code == "MONTHLY_REQUEST_COUNT");
    CHECK(e.message == "You have reached the limit.");
    CHECK(e.retry_after_ms == 826034856);  // 2026-08-22T10:32:45.144Z → 2026-09-01T00:00:00Z
    int64_t new_year_eve;
    REQUIRE(parse_iso8601_ms("2026-12-31T23:59:59.999Z", new_year_eve));
    CHECK(classify_error(402, read_fixture("kiro_error_402_monthly_limit.json"), new_year_eve).retry_after_ms == 1);
  }
  SECTION("403 bearer invalid") {
    const UpstreamError e = classify_error(403, read_fixture("kiro_error_403_bearer_invalid.json"), kNowMs);
    CHECK(e.error_class == ErrorClass::auth);
    CHECK(e.message == "The bearer token included in the request is invalid.");
    CHECK(e.type == "authentication_error");
  }
  SECTION("throttling, server trouble and too-long input") {
    CHECK(classify_error(429, R"({"message":"Rate exceeded"})", kNowMs).error_class == ErrorClass::rate_limited);
    CHECK(classify_error(500, "", kNowMs).error_class == ErrorClass::server);
    CHECK(classify_error(503, "<html>busy</html>", kNowMs).message == "<html>busy</html>");
    CHECK(classify_error(502, "", kNowMs).message == "Kiro answered HTTP 502");
    CHECK(classify_error(400, R"({"message":"Input is too long.","reason":"CONTENT_LENGTH_EXCEEDS_THRESHOLD"})", kNowMs)
              .error_class == ErrorClass::context_length);
  }
}

TEST_CASE("ISO 8601 stamps", "[kiro]") {
  int64_t ms = 0;
  REQUIRE(parse_iso8601_ms("2026-08-22T10:32:45.144Z", ms));
  CHECK(ms == kNowMs);
  CHECK(format_iso8601_ms(ms) == "2026-08-22T10:32:45.144Z");
  REQUIRE(parse_iso8601_ms("2026-08-22T12:32:45+02:00", ms));
  CHECK(ms == kNowMs - 144);
  REQUIRE(parse_iso8601_ms("1969-12-31T23:59:59.5Z", ms));
  CHECK(ms == -500);
  CHECK(format_iso8601_ms(-500) == "1969-12-31T23:59:59.500Z");
  CHECK_FALSE(parse_iso8601_ms("2026-08-22T10:32:45", ms));
  CHECK_FALSE(parse_iso8601_ms("2026-13-01T00:00:00Z", ms));
  CHECK_FALSE(parse_iso8601_ms("yesterday", ms));
  CHECK(next_month_start_ms(kNowMs) == kNowMs + 826034856);
}

// ---------------------------------------------------------------- fuzz corpus

TEST_CASE("the event-stream fuzz corpus replays cleanly", "[kiro][eventstream]") {
  namespace fs = std::filesystem;
  const fs::path corpus = fs::path(KEYAOS_FIXTURES) / ".." / "fuzz" / "corpus" / "eventstream";
  REQUIRE(fs::is_directory(corpus));
  size_t files = 0, succeeded = 0;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ++files;
    // Decoder: whole and byte by byte agree, and always end decided.
    aws_eventstream::Decoder whole, bytewise;
    std::vector<aws_eventstream::Message> a, b;
    whole.feed(bytes, a);
    for (char c : bytes) bytewise.feed(std::string_view(&c, 1), b);
    const bool ok_whole = whole.finish(), ok_bytes = bytewise.finish();
    CHECK(ok_whole == ok_bytes);
    CHECK(a.size() == b.size());
    CHECK(whole.error() == bytewise.error());
    // Translator: the same output either way, and a definite outcome.
    const Run r1 = translate(bytes, options()), r2 = translate(bytes, options(), 1);
    CHECK(r1.out == r2.out);
    CHECK(r1.failed == r2.failed);
    CHECK(r1.failed != r1.finished);
    if (r1.finished) {
      ++succeeded;
      CHECK(r1.out.size() >= 14);
      CHECK(r1.out.compare(r1.out.size() - 14, 14, "data: [DONE]\n\n") == 0);
    }
  }
  CHECK(files >= 20);
  CHECK(succeeded >= 3);
}
