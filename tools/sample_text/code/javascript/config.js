'use strict';

const fs = require('fs');
const path = require('path');

/**
 * Load KEY=VALUE pairs from a .env file into process.env without
 * overwriting variables that are already set.
 */
function loadDotEnv(file = path.resolve(process.cwd(), '.env')) {
  if (!fs.existsSync(file)) return;
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let [, key, value] = match;
    if (/^(['"]).*\1$/.test(value)) {
      value = value.slice(1, -1).replace(/\\n/g, '\n');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    if (process.env[key] === undefined) process.env[key] = value;
  }
}

function required(name) {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}

function int(name, fallback) {
  const value = process.env[name];
  if (value === undefined) return fallback;
  const n = Number.parseInt(value, 10);
  if (Number.isNaN(n)) throw new Error(`${name} must be an integer, got "${value}"`);
  return n;
}

function bool(name, fallback = false) {
  const value = process.env[name];
  if (value === undefined) return fallback;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

loadDotEnv();

const env = process.env.NODE_ENV || 'development';

module.exports = Object.freeze({
  env,
  isProduction: env === 'production',
  port: int('PORT', 3000),
  databaseUrl: env === 'test' ? process.env.TEST_DATABASE_URL : required('DATABASE_URL'),
  sessionSecret: env === 'production' ? required('SESSION_SECRET') : process.env.SESSION_SECRET || 'dev-secret',
  logLevel: process.env.LOG_LEVEL || (env === 'production' ? 'info' : 'debug'),
  trustProxy: bool('TRUST_PROXY'),
  corsOrigins: (process.env.CORS_ORIGINS || '').split(',').map((s) => s.trim()).filter(Boolean),
});
