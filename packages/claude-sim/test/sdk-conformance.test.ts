import Anthropic, {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  OverloadedError,
  PermissionDeniedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { API_KEY, MODEL, sdkClient } from './helpers.js';

describe('official SDK against the simulator', () => {
  let sim: Simulator;
  let client: Anthropic;

  beforeAll(async () => {
    sim = await startSimulator({ apiKeys: [API_KEY] });
    client = sdkClient(sim);
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  const params = { model: MODEL, max_tokens: 1000, messages: [{ role: 'user' as const, content: 'Hi' }] };

  it('messages.create returns a message with usage and a request id', async () => {
    const { data, response } = await client.messages.create(params).withResponse();
    expect(data.type).toBe('message');
    expect(data.model).toBe('claude-sonnet-4-5-20250929');
    expect(data.content[0]?.type).toBe('text');
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(sim.requests()[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sim.requests()[0]?.headers['anthropic-version']).toBe('2026-10-21');
  });

  it('messages.stream fires text events and its final message matches the non-streaming reply', async () => {
    const plain = await client.messages.create(params);
    const stream = client.messages.stream(params);
    const pieces: string[] = [];
    stream.on('text', (text) => pieces.push(text));
    const final = await stream.finalMessage();
    expect(pieces.length).toBeGreaterThan(1);
    const text = final.content[0]?.type === 'text' ? final.content[0].text : '';
    expect(pieces.join('')).toBe(text);
    expect(final.content).toEqual(plain.content);
    expect(final.usage.output_tokens).toBe(plain.usage.output_tokens);
    expect(final.usage.input_tokens).toBe(plain.usage.input_tokens);
    expect(final.stop_reason).toBe(plain.stop_reason);
  });

  it('messages.countTokens agrees with usage.input_tokens', async () => {
    const count = await client.messages.countTokens({ model: MODEL, messages: params.messages });
    const message = await client.messages.create(params);
    expect(count.input_tokens).toBe(message.usage.input_tokens);
  });

  it('models.list pages through active models and models.retrieve resolves aliases', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list({ limit: 3 })) ids.push(model.id);
    expect(ids).toContain('claude-sonnet-4-5-20250929');
    expect(ids).not.toContain('claude-opus-4-1-20250805');
    expect(new Set(ids).size).toBe(ids.length);
    const model = await client.models.retrieve('claude-haiku-4-5');
    expect(model.id).toBe('claude-haiku-4-5-20251001');
    expect(model.type).toBe('model');
    await expect(client.models.retrieve('claude-opus-4-1')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a bad key is an AuthenticationError', async () => {
    const other = new Anthropic({ apiKey: 'wrong', baseURL: sim.url, maxRetries: 0 });
    const error = await other.messages.create(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
  });

  const cases = [
    { status: 400, type: 'invalid_request_error', cls: BadRequestError },
    { status: 401, type: 'authentication_error', cls: AuthenticationError },
    { status: 403, type: 'permission_error', cls: PermissionDeniedError },
    { status: 404, type: 'not_found_error', cls: NotFoundError },
    { status: 429, type: 'rate_limit_error', cls: RateLimitError },
    { status: 500, type: 'api_error', cls: InternalServerError },
    { status: 529, type: 'overloaded_error', cls: OverloadedError },
  ];
  for (const c of cases) {
    it(`${c.status} ${c.type} arrives as ${c.cls.name}`, async () => {
      sim.script([{ kind: 'error', status: c.status, type: c.type, message: `scripted ${c.type}` }]);
      const error = await client.messages.create(params).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(c.cls);
      const apiError = error as InstanceType<typeof c.cls>;
      expect(apiError.status).toBe(c.status);
      expect(apiError.type).toBe(c.type);
      expect(apiError.requestID).toMatch(/^req_/);
      expect(apiError.message).toContain(`scripted ${c.type}`);
      if (c.status === 529) expect(error).toBeInstanceOf(InternalServerError);
    });
  }
});
