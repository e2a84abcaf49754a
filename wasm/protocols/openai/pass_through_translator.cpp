#include "protocols/openai/pass_through_translator.h"

#include "billing/cost.h"
#include "protocols/common/openai_chunks.h"

namespace keyaos::openai {

void PassThroughTranslator::feed(std::string_view bytes, std::string& out) {
  const bool overflowed = scanner_.overflowed();
  scanner_.feed(bytes, &out);
  // The oversized event never reached the client, so the reason must.
  if (!overflowed && scanner_.overflowed()) OpenAIChunkWriter::error_event(scanner_.error(), out);
}

void PassThroughTranslator::finish(std::string& out) {
  if (closed_) return;
  closed_ = true;
  scanner_.end(&out);
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
