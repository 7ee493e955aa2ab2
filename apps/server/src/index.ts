export { createApp } from './app.js';
export { ConfigError, type Env, envSchema, loadEnv } from './env.js';
export { createLogger, REDACT_PATHS, redactUrl } from './logger.js';
export { type ServerHandle, type StartOptions, startServer } from './start-server.js';
export { VERSION } from './version.js';
