// Type declarations of bindings/node/index.js (m2v for Node.js). Semantics: include/m2v.h.

/** Thrown (or rejected with) by every failing call: code is m2v_status_name(status). */
export interface M2VError extends Error {
  code: 'M2V_ERR_INVALID_ARGUMENT' | 'M2V_ERR_NOT_FOUND' | 'M2V_ERR_IO' | 'M2V_ERR_FORMAT' |
    'M2V_ERR_UNSUPPORTED' | 'M2V_ERR_BUFFER_TOO_SMALL' | 'M2V_ERR_OUT_OF_MEMORY' |
    'M2V_ERR_INVALID_UTF8' | 'M2V_ERR_CANCELLED' | 'M2V_ERR_INTERNAL';
  status: number;
}

/** A text: a string (written as UTF-8; a lone surrogate becomes U+FFFD) or raw UTF-8 bytes. */
export type Text = string | Uint8Array;

export interface LoadOptions {
  /** default: config.json's "normalize" */
  normalize?: boolean;
  /** encode's default truncation in tokens; null = none; default: config.json's, else 512 */
  maxLength?: number | null;
  /** map model.safetensors (default true) or read it into memory */
  mmap?: boolean;
}

export interface EncodeOptions {
  /** tokens per text; null = no limit; default: the model's maxLength */
  maxLength?: number | null;
  normalize?: boolean;
  /** most threads for the call; 0 = all CPUs (default) */
  threads?: number;
  batchSize?: number;
  /** cut texts to maxLength * medianTokenLength characters first (default true, as model2vec) */
  characterCut?: boolean;
  invalidText?: 'error' | 'replace' | 'skip';
  /** filled with each text's m2v status (0 = ok, 8 = invalid UTF-8, ...) */
  textStatus?: Int32Array;
}

export class StaticModel {
  static fromPretrained(pathOrHubId: string, options?: LoadOptions): StaticModel;
  readonly dim: number;
  readonly vocabSize: number;
  readonly normalize: boolean;
  readonly maxLength: number | null;
  readonly medianTokenLength: number;
  readonly unkTokenId: number;
  close(): void;
  encode(text: Text, options?: EncodeOptions): Float32Array;
  encode(texts: Text[], options?: EncodeOptions): Float32Array[];
  encodeInto(out: Float32Array, texts: Text | Text[], options?: EncodeOptions): Float32Array;
  encodeAsync(text: Text, options?: EncodeOptions): Promise<Float32Array>;
  encodeAsync(texts: Text[], options?: EncodeOptions): Promise<Float32Array[]>;
  encodeAsSequence(text: Text, options?: EncodeOptions): Float32Array[];
  encodeAsSequence(texts: Text[], options?: EncodeOptions): Float32Array[][];
  tokenize(text: Text, options?: EncodeOptions): Int32Array;
  tokenize(texts: Text[], options?: EncodeOptions): Int32Array[];
  token(id: number): string | null;
}

export interface TokenizerEncodeOptions {
  addSpecialTokens?: boolean;
  /** at most this many ids (special tokens included); null = none; default: tokenizer.json's */
  truncation?: number | null;
  truncationDirection?: 'right' | 'left';
  /** pad the batch (true) or not (false); default: tokenizer.json's */
  padding?: boolean;
  /** 0 = to the batch's longest */
  padLength?: number;
  padId?: number;
  padToMultipleOf?: number;
  padDirection?: 'right' | 'left';
}

export class Tokenizer {
  static fromFile(path: string): Tokenizer;
  static fromString(json: string | Uint8Array): Tokenizer;
  readonly vocabSize: number;
  close(): void;
  encode(text: Text, options?: TokenizerEncodeOptions): Int32Array;
  encode(texts: Text[], options?: TokenizerEncodeOptions): Int32Array[];
  idToToken(id: number): string | null;
}

export interface PredictOptions extends Omit<EncodeOptions, 'textStatus'> {
  /** multi-label: a class is predicted when its probability is above this (default 0.5) */
  threshold?: number;
}

/** A class label: a string, or a number (bigint beyond 2^53) for integer labels. */
export type Label = string | number | bigint;

/** A model2vec pipeline (model2vec.inference.StaticModelPipeline): a model plus an MLP head. */
export class Classifier {
  static fromPretrained(pathOrHubId: string): Classifier;
  readonly task: 'single-label' | 'multi-label' | 'regression';
  readonly nOutputs: number;
  readonly nLayers: number;
  readonly dim: number;
  readonly classes: readonly Label[];
  close(): void;
  /** single-label: a label; multi-label: the labels above threshold; regression: the values */
  predict(text: Text, options?: PredictOptions): Label | Label[] | Float32Array;
  predict(texts: Text[], options?: PredictOptions): Label[] | Label[][] | Float32Array[];
  predictProba(text: Text, options?: Omit<EncodeOptions, 'textStatus'>): Float32Array;
  predictProba(texts: Text[], options?: Omit<EncodeOptions, 'textStatus'>): Float32Array[];
}

export function version(): string;
export function hubResolve(pathOrHubId: string): string;
