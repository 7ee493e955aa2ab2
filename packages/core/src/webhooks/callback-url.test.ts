import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { type ResolveAll, validateCallbackUrl } from './callback-url.js';

const resolveTo =
  (map: Record<string, string[]>): ResolveAll =>
  async (host) => {
    const list = map[host];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

async function reason(url: string, options: Parameters<typeof validateCallbackUrl>[1] = {}) {
  try {
    await validateCallbackUrl(url, { resolveAll: resolveTo({}), ...options });
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_request');
    const details = (error as AppError).details ?? '';
    expect(details).toMatch(/^callbackUrl: /);
    return details.slice('callbackUrl: '.length);
  }
}

describe('validateCallbackUrl', () => {
  it('refuses non-http(s) schemes, credentials and garbage', async () => {
    expect(await reason('ftp://example.com/x')).toBe('scheme');
    expect(await reason('file:///etc/passwd')).toBe('scheme');
    expect(await reason('javascript:alert(1)')).toBe('scheme');
    expect(await reason('https://user:pw@example.com/')).toBe('credentials');
    expect(await reason('not a url')).toBe('malformed');
    expect(await reason(`https://example.com/${'a'.repeat(3000)}`)).toBe('too_long');
  });

  it('refuses loopback, private, link-local and metadata addresses, however spelt', async () => {
    expect(await reason('http://127.0.0.1/hook')).toBe('loopback');
    expect(await reason('http://2130706433/hook')).toBe('loopback');
    expect(await reason('http://0x7f.1/hook')).toBe('loopback');
    expect(await reason('http://[::1]:8080/hook')).toBe('loopback');
    expect(await reason('http://[::ffff:127.0.0.1]/')).toBe('loopback');
    expect(await reason('http://10.0.0.1/')).toBe('private');
    expect(await reason('http://192.168.0.10/')).toBe('private');
    expect(await reason('http://100.64.1.1/')).toBe('cgnat');
    expect(await reason('http://169.254.169.254/latest/meta-data/')).toBe('metadata');
    expect(await reason('http://[fd00:ec2::254]/')).toBe('metadata');
    expect(await reason('http://metadata.google.internal/computeMetadata/v1/')).toBe('metadata');
    expect(await reason('http://[fe80::1]/')).toBe('link-local');
    expect(await reason('http://0.0.0.0/')).toBe('unspecified');
  });

  it('refuses a hostname that resolves to a forbidden address (any of its addresses)', async () => {
    const resolveAll = resolveTo({ 'evil.example': ['93.184.216.34', '127.0.0.1'], 'ok.example': ['93.184.216.34'] });
    expect(await reason('https://evil.example/hook', { resolveAll })).toBe('loopback');
    expect(await reason('https://ok.example/hook', { resolveAll })).toBe('accepted');
  });

  it('accepts public addresses, and a name that does not resolve now (checked again at send time)', async () => {
    expect(await reason('https://8.8.8.8/hook')).toBe('accepted');
    expect(await reason('https://unresolvable.example/hook')).toBe('accepted');
  });

  it('the allowlist opens named hosts and IPs, but never metadata endpoints', async () => {
    const allowedHosts = ['127.0.0.1', 'localhost', '::1', '169.254.169.254'];
    const resolveAll = resolveTo({ localhost: ['127.0.0.1'] });
    expect(await reason('http://127.0.0.1:9000/x', { allowedHosts })).toBe('accepted');
    expect(await reason('http://[::1]:9000/x', { allowedHosts })).toBe('accepted');
    expect(await reason('http://localhost:9000/x', { allowedHosts, resolveAll })).toBe('accepted');
    expect(await reason('http://10.0.0.1/x', { allowedHosts })).toBe('private');
    expect(await reason('http://169.254.169.254/x', { allowedHosts })).toBe('metadata');
  });

  it('a lookup that hangs is bounded', async () => {
    const hang: ResolveAll = () => new Promise(() => {});
    const started = Date.now();
    expect(await reason('https://slow.example/', { resolveAll: hang, lookupTimeoutMs: 50 })).toBe('accepted');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
