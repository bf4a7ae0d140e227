// The built-in HTTPS listener as browsers meet it: Chromium takes the h2
// that ALPN offers, so every page, the WASM bundle and every server function
// travel over HTTP/2 (a self-signed certificate, accepted for this test).
import { test, expect, Page } from '@playwright/test';
import { routes, testid } from './ids';
import { fillTenantLogin, hydrated } from './session';

/// The protocol the page itself came over (h2, http/1.1, ...).
async function protocolOf(page: Page) {
  return page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).nextHopProtocol);
}

test('a member logs in and uses the people register over the built-in HTTPS, on HTTP/2', async ({ page, context }) => {
  await page.goto(routes.login);
  await hydrated(page);
  expect(await protocolOf(page)).toBe('h2');
  await fillTenantLogin(page, 'sample', 'taro');
  await expect(page).toHaveURL(routes.home);
  // The session cookie is Secure, host-only, and not readable by scripts.
  const cookie = (await context.cookies()).find((c) => c.name === '__Host-kura_session');
  expect(cookie?.secure).toBe(true);
  expect(cookie?.httpOnly).toBe(true);

  await page.goto(routes.peopleNew);
  await hydrated(page);
  expect(await protocolOf(page)).toBe('h2');
  const form = page.getByTestId(testid.personForm);
  await form.getByLabel('姓', { exact: true }).fill('暗号');
  await form.getByLabel('電話番号').fill('03-9876-5432');
  await form.getByRole('button', { name: '保存する' }).click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  await hydrated(page);
  const record = page.getByTestId(testid.recordForm);
  await record.getByLabel('内容').fill('HTTPSで追加した記録');
  await record.getByRole('button', { name: '記録を追加' }).click();
  await expect(page.getByTestId(testid.recordList)).toContainText('HTTPSで追加した記録');

  await page.goto(routes.people);
  await hydrated(page);
  const search = page.getByTestId(testid.peopleSearch);
  await search.getByLabel('検索語').fill('０３９８７６５４３２');
  await search.getByRole('button', { name: '検索する' }).click();
  await expect(page.getByTestId(testid.peopleList).getByRole('link', { name: '暗号' })).toBeVisible();
  // The bundle, the style sheet and the search's server function came over HTTP/2 too.
  const resources = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((e) => [e.name, (e as PerformanceResourceTiming).nextHopProtocol]),
  );
  expect(resources.some(([name]) => name.endsWith('.wasm'))).toBe(true);
  expect(resources.some(([name]) => name.includes('/api/people/list'))).toBe(true);
  for (const [name, protocol] of resources) expect(protocol, name).toBe('h2');
});
