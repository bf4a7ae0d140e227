// `npx playwright test -c screenshots.config.ts`: screenshots of the main
// pages into docs/screenshots/, by hand (docs/screenshots/make.sh), never in CI.
import { defineConfig } from '@playwright/test';
import { chromium } from './chromium';
import { freePorts } from './ports';

const [port] = freePorts('KURA_E2E_SHOTS_PORT', 1);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './screenshots',
  testMatch: /\.shots\.ts$/,
  timeout: 300_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    // Glyphs drawn as a reader's screen does, not snapped to the pixel grid.
    launchOptions: { ...chromium, args: [...chromium.args, '--font-render-hinting=none'] },
  },
  webServer: {
    command: './serve.sh',
    url: `${baseURL}/readyz`,
    reuseExistingServer: false,
    timeout: 180_000,
    env: { KURA_E2E_SERVER: 'shots', KURA_E2E_PORT: port, KURA_E2E_SEED_PEOPLE: '60' },
  },
});
