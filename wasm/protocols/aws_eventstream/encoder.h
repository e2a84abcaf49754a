#pragma once
#include <string>

#include "protocols/aws_eventstream/message.h"

namespace keyaos::aws_eventstream {

// Serialises one message with both CRCs. Used to build test streams and mock
// upstreams. Header names longer than 127 bytes and string/bytes values longer
// than 65535 bytes are truncated, as the wire format cannot carry them.
std::string encode(const Message& message);

}  // namespace keyaos::aws_eventstream
