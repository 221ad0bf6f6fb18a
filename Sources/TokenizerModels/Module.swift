// TokenizerModels — placeholder, filled in by the tokenizers issue.
