// TokenizerNormalizers — placeholder, filled in by the tokenizers issue.
