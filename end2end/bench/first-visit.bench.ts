// The first visit on a slow office line: bytes on the wire and the time until
// the page is interactive (main[data-hydrated="true"]) in Chromium, with the
// DevTools network emulation at 1.6 Mbit/s down, 750 kbit/s up, 150 ms
// latency, an empty cache, over the built-in HTTPS (HTTP/2). Run by
// .ci/bench against the release build; numbers go to docs/BENCHMARKS.md.
import { test, expect, Page, BrowserContext } from '@playwright/test';

const password = process.env.E2E_MEMBER_PASSWORD!;
const runs = Number(process.env.KURA_BENCH_RUNS ?? 3);

async function slowLine(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1000 * 1000) / 8,
    uploadThroughput: (750 * 1000) / 8,
  });
  let bytes = 0;
  const files: Record<string, number> = {};
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength;
  });
  const urls: Record<string, string> = {};
  cdp.on('Network.responseReceived', (e) => {
    urls[e.requestId] = new URL(e.response.url).pathname;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const path = urls[e.requestId] ?? '?';
    files[path] = (files[path] ?? 0) + e.encodedDataLength;
  });
  return { bytes: () => bytes, files: () => files };
}

async function measure(page: Page, context: BrowserContext, path: string) {
  const wire = await slowLine(context, page);
  const started = Date.now();
  await page.goto(path, { waitUntil: 'commit' });
  await expect(page.locator('main[data-hydrated="true"]')).toBeVisible({ timeout: 60_000 });
  const interactive = Date.now() - started;
  await page.waitForLoadState('networkidle');
  return { interactive, bytes: wire.bytes(), files: wire.files() };
}

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

for (const path of ['/login', '/people']) {
  test(`first visit to ${path}`, async ({ browser }) => {
    const times: number[] = [];
    const sizes: number[] = [];
    let files: Record<string, number> = {};
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      if (path !== '/login') {
        // Logged in through the API: the page itself is still a first visit (empty cache).
        const r = await context.request.post('/api/login', {
          form: { org: 'sample', login: 'taro', password },
          headers: { origin: new URL(test.info().project.use.baseURL!).origin },
        });
        expect(r.ok()).toBe(true);
      }
      const page = await context.newPage();
      const m = await measure(page, context, path);
      times.push(m.interactive);
      sizes.push(m.bytes);
      files = m.files;
      await context.close();
    }
    const line = `| \`${path}\` | ${Math.round(median(sizes) / 1024)} KB | ${median(times)} ms | ${times.join(', ')} ms |`;
    console.log(line);
    console.log(Object.entries(files).map(([f, b]) => `    ${f}: ${b} B`).join('\n'));
    test.info().annotations.push({ type: 'result', description: line });
  });
}
