#pragma once
#include <cstddef>
#include <cstdint>

namespace keyaos::aws_eventstream {

// CRC-32 (IEEE 802.3 / zlib): reflected polynomial 0xEDB88320, initial value
// and final XOR 0xFFFFFFFF. `seed` is a previous result, so a checksum can be
// continued over several buffers: crc32(b, nb, crc32(a, na)) == crc32(a ++ b).
uint32_t crc32(const uint8_t* data, size_t size, uint32_t seed = 0);

}  // namespace keyaos::aws_eventstream
