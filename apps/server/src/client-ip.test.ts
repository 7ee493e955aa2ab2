import { describe, expect, it } from 'vitest';
import { clientIpOf, parseTrustedProxies } from './client-ip.js';

const { list: proxies } = parseTrustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);

describe('clientIpOf', () => {
  it('uses the socket address when no proxy is trusted', () => {
    expect(clientIpOf('::ffff:203.0.113.5', '1.2.3.4', undefined)).toBe('203.0.113.5');
    expect(clientIpOf('203.0.113.5', '1.2.3.4', proxies)).toBe('203.0.113.5');
  });

  it('reads X-Forwarded-For from the right, past trusted proxies only', () => {
    expect(clientIpOf('127.0.0.1', '198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientIpOf('10.1.1.1', '6.6.6.6, 198.51.100.7, 10.2.2.2', proxies)).toBe('198.51.100.7');
    expect(clientIpOf('fd00::1', '2001:db8::9', proxies)).toBe('2001:db8::9');
  });

  it('stops at a hop that is not an address', () => {
    expect(clientIpOf('127.0.0.1', '198.51.100.7, garbage', proxies)).toBe('127.0.0.1');
    expect(clientIpOf('127.0.0.1', 'garbage, 10.0.0.2', proxies)).toBe('10.0.0.2');
  });

  it('reports entries that are neither addresses nor CIDRs', () => {
    expect(parseTrustedProxies(['10.0.0.0/33', 'proxy.local', '::1/64', '1.2.3.4/8/1']).problems).toHaveLength(3);
  });
});
