import { type ApiErrorReply, apiError, invalidRequest } from '../errors/api-error.js';
import type { GenerationRequest } from '../generation/generate-text.js';
import type { ModelRegistry } from '../models/model-registry.js';
import type { ModelInfo } from '../models/model-table.js';
import { checkBoolean, checkNumber, extraField, isObject, type Problem, requiredFields } from './field-checks.js';
import { type ConsecutiveRoles, validateMessages, validateSystem } from './validate-content.js';
import {
  validateMetadata,
  validateServiceTier,
  validateStopSequences,
  validateThinking,
  validateToolChoice,
  validateTools,
} from './validate-options.js';
import { validateSampling } from './validate-sampling.js';

const MESSAGE_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'stream',
  'metadata',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'cache_control',
  'container',
  'output_config',
  'inference_geo',
]);

const COUNT_TOKENS_FIELDS: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'cache_control',
  'output_config',
]);

export interface MessageRequest extends GenerationRequest {
  stream?: boolean;
  tools?: unknown;
}

export type Validated<T> = { ok: true; request: T; model: ModelInfo } | { ok: false; error: ApiErrorReply };

export interface ValidationContext {
  models: ModelRegistry;
  consecutiveRoles: ConsecutiveRoles;
}

/** Schema first (400), then the model (404), then the model's own limits (400), as the real API orders them. */
export function validateMessageRequest(body: unknown, ctx: ValidationContext): Validated<MessageRequest> {
  if (!isObject(body)) return fail(invalidRequest('Input should be a valid dictionary or object'));
  const problem =
    requiredFields(body, ['model', 'max_tokens', 'messages']) ??
    extraField(body, MESSAGE_FIELDS, '') ??
    modelField(body.model) ??
    checkNumber(body.max_tokens, 'max_tokens', 1, undefined, true) ??
    checkNumber(body.temperature, 'temperature', 0, 1) ??
    checkNumber(body.top_p, 'top_p', 0, 1) ??
    checkNumber(body.top_k, 'top_k', 0, undefined, true) ??
    checkBoolean(body.stream, 'stream') ??
    validateSystem(body.system) ??
    validateMessages(body.messages, ctx.consecutiveRoles) ??
    validateStopSequences(body.stop_sequences) ??
    validateMetadata(body.metadata) ??
    validateTools(body.tools) ??
    validateToolChoice(body.tool_choice) ??
    validateThinking(body.thinking) ??
    validateServiceTier(body.service_tier);
  if (problem) return fail(invalidRequest(problem));
  const request = body as unknown as MessageRequest;
  const model = ctx.models.resolve(request.model);
  if (!model) return fail(apiError('not_found_error', `model: ${request.model}`));
  if (request.max_tokens > model.maxOutputTokens) {
    return fail(
      invalidRequest(
        `max_tokens: ${request.max_tokens} > ${model.maxOutputTokens}, which is the maximum allowed number of output tokens for ${model.id}`,
      ),
    );
  }
  const samplingProblem = validateSampling(body, model);
  if (samplingProblem) return fail(invalidRequest(samplingProblem));
  return { ok: true, request, model };
}

export function validateCountTokensRequest(
  body: unknown,
  ctx: ValidationContext,
): Validated<Pick<MessageRequest, 'model' | 'messages' | 'system' | 'tools'>> {
  if (!isObject(body)) return fail(invalidRequest('Input should be a valid dictionary or object'));
  const problem =
    requiredFields(body, ['model', 'messages']) ??
    extraField(body, COUNT_TOKENS_FIELDS, '') ??
    modelField(body.model) ??
    validateSystem(body.system) ??
    validateMessages(body.messages, ctx.consecutiveRoles) ??
    validateTools(body.tools) ??
    validateToolChoice(body.tool_choice) ??
    validateThinking(body.thinking);
  if (problem) return fail(invalidRequest(problem));
  const model = ctx.models.resolve(body.model as string);
  if (!model) return fail(apiError('not_found_error', `model: ${String(body.model)}`));
  return { ok: true, request: body as unknown as MessageRequest, model };
}

function modelField(value: unknown): Problem {
  return typeof value === 'string' ? undefined : 'model: Input should be a valid string';
}

function fail(error: ApiErrorReply): { ok: false; error: ApiErrorReply } {
  return { ok: false, error };
}
