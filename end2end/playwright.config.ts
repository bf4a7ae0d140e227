import { defineConfig } from '@playwright/test';
import { chromium } from './chromium';
import { freePorts } from './ports';

const [appPort, httpsPort, tamperPort] = freePorts('KURA_E2E_PORTS', 3);
const url = { app: `http://127.0.0.1:${appPort}`, https: `https://127.0.0.1:${httpsPort}`, tamper: `http://127.0.0.1:${tamperPort}` };

/// One `kura serve` per server, each with its own data directory (servers.ts).
function server(name: 'app' | 'https' | 'tamper', port: string) {
  return {
    command: './serve.sh',
    url: `${url[name]}/readyz`,
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe' as const,
    stderr: 'pipe' as const,
    env: { KURA_E2E_SERVER: name, KURA_E2E_PORT: port, KURA_E2E_TLS: name === 'https' ? '1' : '' },
  };
}

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // Spec files run two at a time against the shared server (concurrent use is
  // always exercised); the tests inside one file run in order.
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    trace: 'off',
    launchOptions: chromium,
  },
  projects: [
    { name: 'app', testIgnore: [/https\.spec/, /z-tamper/, /zz-secrets-scan/], use: { baseURL: url.app } },
    // The built-in HTTPS listener, as browsers meet it (HTTP/2 by ALPN).
    { name: 'https', testMatch: /https\.spec/, use: { baseURL: url.https, ignoreHTTPSErrors: true } },
    // Breaks its own server's audit chain on purpose.
    { name: 'tamper', testMatch: /z-tamper/, use: { baseURL: url.tamper } },
    // Reads what every server kept, once all the others are done.
    { name: 'scan', testMatch: /zz-secrets-scan/, dependencies: ['app', 'https', 'tamper'], use: { baseURL: url.app } },
  ],
  webServer: [server('app', appPort), server('https', httpsPort), server('tamper', tamperPort)],
});
