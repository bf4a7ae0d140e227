// `npx playwright test -c bench.config.ts`: the first-visit benchmark
// (bench/), against one release server on the built-in HTTPS. Run by .ci/bench.
import { defineConfig } from '@playwright/test';
import { chromium } from './chromium';
import { freePorts } from './ports';

const [port] = freePorts('KURA_E2E_BENCH_PORT', 1);
const baseURL = `https://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './bench',
  testMatch: /\.bench\.ts$/,
  timeout: 600_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL,
    ignoreHTTPSErrors: true,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    launchOptions: chromium,
  },
  webServer: {
    command: './serve.sh',
    url: `${baseURL}/readyz`,
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 120_000,
    env: { KURA_E2E_SERVER: 'bench', KURA_E2E_PORT: port, KURA_E2E_TLS: '1', KURA_E2E_SEED_PEOPLE: '300' },
  },
});
