// Tokenizers — owns the tokenizer pipeline: loading tokenizer.json, added tokens, running
// normalizer -> pre-tokenizer -> model -> post-processor. (In progress.)
import TokenizerCore
