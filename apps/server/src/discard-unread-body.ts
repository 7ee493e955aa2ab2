/**
 * Reads and drops a request body that no handler read (unknown route, a route without a body), up to
 * `limit` bytes. Answering while the client is still sending and then reusing the connection is what
 * drops connections under keep-alive; past the limit, or if the body cannot be read, the answer says
 * `Connection: close` instead so the client opens a fresh one.
 */
export async function discardUnreadBody(request: Request, response: Response, limit: number): Promise<void> {
  // Headers first: touching `body` makes the Node adapter build a full Request, which a GET need not pay for.
  const length = request.headers.get('content-length');
  if ((length === null || length === '0') && !request.headers.has('transfer-encoding')) return;
  if (request.body === null || request.bodyUsed) return;
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    response.headers.set('Connection', 'close');
    return;
  }
  try {
    const reader = request.body.getReader();
    let read = 0;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      read += chunk.value.byteLength;
      if (read > limit) {
        await reader.cancel().catch(() => {});
        response.headers.set('Connection', 'close');
        return;
      }
    }
  } catch {
    response.headers.set('Connection', 'close');
  }
}
