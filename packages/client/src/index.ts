export * from './client.js';
export { type ClaudeProxyErrorCode, toClaudeProxyError } from './errors.js';
export type { WaitForTaskOptions } from './wait-for-task.js';
