// The C ABI of keyaos.wasm. The host copies bytes in with kx_alloc, calls
// kx_step, and reads the encoded action at kx_out_ptr()/kx_out_len().
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/router.h"
#include "core/engine.h"

namespace {
keyaos::Engine* engine() {
  static keyaos::Engine* instance = new keyaos::Engine();
  return instance;
}
std::string g_out;
std::string g_in;  // the chunk buffer kx_chunk reads, reused across calls
}  // namespace

extern "C" {

__attribute__((export_name("kx_alloc"))) void* kx_alloc(uint32_t size) { return std::malloc(size ? size : 1); }
__attribute__((export_name("kx_free"))) void kx_free(void* ptr) { std::free(ptr); }

// Returns 0 on success; otherwise the error message is at kx_out_ptr().
__attribute__((export_name("kx_init"))) int32_t kx_init(const char* config, uint32_t len) {
  g_out = engine()->init(std::string_view(config, len));
  return g_out.empty() ? 0 : 1;
}

__attribute__((export_name("kx_open"))) uint32_t kx_open() { return engine()->open(); }

__attribute__((export_name("kx_step"))) uint32_t kx_step(uint32_t handle, const char* event, uint32_t event_len,
                                                         const char* payload, uint32_t payload_len) {
  g_out = keyaos::encode_action(engine()->step(handle, std::string_view(event, event_len),
                                               std::string_view(payload ? payload : "", payload_len)));
  return static_cast<uint32_t>(g_out.size());
}

// A buffer of at least `size` bytes for the next kx_chunk, owned here and
// reused, so the hot path allocates nothing per chunk.
__attribute__((export_name("kx_chunk_buffer"))) char* kx_chunk_buffer(uint32_t size) {
  if (g_in.size() < size) g_in.resize(size);
  return g_in.data();
}

// One upstream chunk of a committed stream, the first `len` bytes of the
// chunk buffer: returns 1 with the bytes for the client at kx_out_ptr(), or
// 0 when the host must send it to kx_step as an upstream_chunk event.
__attribute__((export_name("kx_chunk"))) int32_t kx_chunk(uint32_t handle, double now_ms, uint32_t len) {
  g_out.clear();
  if (len > g_in.size()) return 0;
  return engine()->relay_chunk(handle, static_cast<int64_t>(now_ms), std::string_view(g_in.data(), len), g_out) ? 1 : 0;
}

// `now_ms` is a double: the host's Date.now(), exact as a double.
__attribute__((export_name("kx_touch"))) void kx_touch(uint32_t handle, double now_ms) {
  engine()->touch(handle, static_cast<int64_t>(now_ms));
}
__attribute__((export_name("kx_close"))) void kx_close(uint32_t handle) { engine()->close(handle); }
__attribute__((export_name("kx_open_count"))) uint32_t kx_open_count() { return static_cast<uint32_t>(engine()->open_count()); }
// The paths the engine answers (api::engine_paths), as JSON at kx_out_ptr(): the
// host serves the dashboard's assets for every other path.
__attribute__((export_name("kx_paths"))) uint32_t kx_paths() {
  g_out = keyaos::dump_json(keyaos::api::engine_paths());
  return static_cast<uint32_t>(g_out.size());
}
__attribute__((export_name("kx_out_ptr"))) const char* kx_out_ptr() { return g_out.data(); }
__attribute__((export_name("kx_out_len"))) uint32_t kx_out_len() { return static_cast<uint32_t>(g_out.size()); }

}
