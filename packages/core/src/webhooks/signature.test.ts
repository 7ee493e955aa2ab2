import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.js';
import { generateWebhookSecret, signatureFor, signWebhook, verifyWebhookSignature } from './signature.js';

describe('webhook signatures', () => {
  it('matches the Standard Webhooks reference vector', () => {
    // The example from the Standard Webhooks specification's test suite.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"test": 2432232314}';
    expect(signatureFor(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('signs with every secret of a rotation, and either one verifies', () => {
    const [a, b] = [generateWebhookSecret(), generateWebhookSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = signWebhook({ id: 'msg_1', timestampSeconds: 1700000000, body: '{}', secrets: [a, b] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    const parts = { id: 'msg_1', timestamp: '1700000000', signature: headers['webhook-signature'] };
    expect(verifyWebhookSignature(a, parts, '{}')).toBe(true);
    expect(verifyWebhookSignature(b, parts, '{}')).toBe(true);
    expect(verifyWebhookSignature(generateWebhookSecret(), parts, '{}')).toBe(false);
    expect(verifyWebhookSignature(a, parts, '{ }')).toBe(false);
    expect(verifyWebhookSignature(a, { ...parts, timestamp: '1700000001' }, '{}')).toBe(false);
  });
});

describe('secret box', () => {
  it('round-trips and hides the secret when a key is set', () => {
    const box = createSecretBox('k'.repeat(32));
    const sealed = box.seal('whsec_abc');
    expect(sealed).toMatch(/^enc:v1:/);
    expect(sealed).not.toContain('whsec_abc');
    expect(box.open(sealed)).toBe('whsec_abc');
    expect(box.open('whsec_plain')).toBe('whsec_plain');
  });

  it('stores as is without a key, and refuses to open sealed values without one', () => {
    const plain = createSecretBox(undefined);
    expect(plain.seal('whsec_abc')).toBe('whsec_abc');
    expect(() => plain.open(createSecretBox('k'.repeat(32)).seal('x'))).toThrow(/no encryption key/);
    expect(() => createSecretBox('j'.repeat(32)).open(createSecretBox('k'.repeat(32)).seal('x'))).toThrow();
  });
});
