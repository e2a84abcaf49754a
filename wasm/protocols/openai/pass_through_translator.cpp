#include "protocols/openai/pass_through_translator.h"

#include "billing/cost.h"
#include "protocols/common/openai_chunks.h"

namespace keyaos::openai {

void PassThroughTranslator::relay_verbatim(std::string& out) {
  if (verbatim_ || closed_) return;
  verbatim_ = true;
  out.append(scanner_.held_bytes());
}

void PassThroughTranslator::feed(std::string_view bytes, std::string& out) {
  if (verbatim_) {
    // The client already has these bytes: meter only.
    scanner_.feed(bytes, nullptr);
    return;
  }
  const bool overflowed = scanner_.overflowed();
  scanner_.feed(bytes, &out);
  // The oversized event never reached the client, so the reason must.
  if (!overflowed && scanner_.overflowed()) OpenAIChunkWriter::error_event(scanner_.error(), out);
}

void PassThroughTranslator::finish(std::string& out) {
  if (closed_) return;
  closed_ = true;
  if (verbatim_) {
    // The client got the raw bytes: end an unfinished event so that what
    // follows (the [DONE], or an error event) stands on its own.
    if (!scanner_.held_bytes().empty() || scanner_.overflowed()) out += "\n\n";
    // An oversized event was cut off in the client's stream: say why.
    if (scanner_.overflowed()) OpenAIChunkWriter::error_event(scanner_.error(), out);
    scanner_.end(nullptr);
  } else {
    scanner_.end(&out);
  }
  usage_ = scanner_.usage();
  if (!usage_.present) {
    usage_.prompt_tokens = billing::estimate_tokens_from_bytes(prompt_bytes_);
    usage_.completion_tokens = billing::estimate_tokens_from_bytes(scanner_.output_chars());
    usage_.estimated = true;
  }
  if (scanner_.failed() || !scanner_.finished()) return;
  if (!scanner_.done()) OpenAIChunkWriter::done(out);
}

}  // namespace keyaos::openai
