#pragma once
#include <string>

#include "protocols/aws_eventstream/message.h"

namespace keyaos::aws_eventstream {

// Serialises one message with both CRCs. Used to build test streams and mock
// upstreams. Header names longer than 127 bytes and string/bytes values longer
// than 65535 bytes are truncated, as the wire format cannot carry them.
std::string encode(const Message& message);

// An event as AWS streaming services send one: the headers :event-type,
// :content-type application/json and :message-type event, and a JSON payload.
std::string encode_event(const std::string& event_type, std::string json_payload);

}  // namespace keyaos::aws_eventstream
