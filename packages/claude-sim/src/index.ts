export type { ErrorType } from './errors/api-error.js';
export { ERROR_STATUS } from './errors/api-error.js';
export type { GeneratedText, GenerationRequest } from './generation/generate-text.js';
export { generateText } from './generation/generate-text.js';
export { CHARS_PER_TOKEN, countInputTokens } from './generation/token-model.js';
export type { ModelInfo } from './models/model-table.js';
export { DEFAULT_MODELS } from './models/model-table.js';
export { startSimulator } from './server.js';
export type {
  MutableOptions,
  RateLimitOptions,
  RecordedRequest,
  ScriptedOutcome,
  Simulator,
  SimulatorOptions,
} from './types.js';
