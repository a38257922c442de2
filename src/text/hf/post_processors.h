// tokenizer.json post-processors: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel
// and Sequence. They add a model's special tokens around an encoded text.
#pragma once

#include <memory>

#include "text/hf/common.h"
#include "text/tokenizer.h"

namespace guardian::text::hf {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Adds special tokens to a single-sequence encoding (only when add_special_tokens).
  virtual void process(Encoding& enc, bool add_special_tokens) const = 0;
  // The first special token id this processor puts before the text (-1 when none): the "bos".
  virtual int leading_special() const { return -1; }
  // The first special token id it puts after the text (-1 when none): the "eos".
  virtual int trailing_special() const { return -1; }
};

std::unique_ptr<PostProcessor> make_post_processor(const JsonAt& j);

}  // namespace guardian::text::hf
