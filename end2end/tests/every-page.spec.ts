import { test, expect, Browser, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { routes, testid } from './ids';
import { hydrated, operatorLogin, signedInPage, toEnglish, viewport } from './session';

// Every page, as each of its users opens it: axe-core finds no violation of
// any impact, at 1280 px and 390 px, in Japanese and in English; at 390 px
// nothing is wider than the screen (no sideways scrolling).

type Who = 'nobody' | 'admin' | 'operator';
const widths = [1280, 390] as const;
const langs = ['ja', 'en'] as const;

// Pages that name something: filled in by beforeAll.
const ids = { person: '', user: '', tenant: '', tenantUser: '' };

async function open(browser: Browser, who: Who, width: number, lang: 'ja' | 'en'): Promise<Page> {
  if (who === 'admin') {
    return signedInPage(browser, 'gamen', 'kanri', { width, lang });
  }
  const page = await (await browser.newContext({ viewport: viewport(width) })).newPage();
  if (who === 'operator') {
    await operatorLogin(page);
  } else {
    await page.goto(routes.login);
  }
  await hydrated(page);
  if (lang === 'en') {
    await toEnglish(page);
  }
  return page;
}

/** Opens `path`, waits for it to settle, and checks it. */
async function check(page: Page, path: string, width: number, label: string) {
  await page.goto(path);
  await hydrated(page);
  await page.waitForLoadState('networkidle');
  const axe = await new AxeBuilder({ page }).analyze();
  const found = axe.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  expect.soft(found, `axe on ${label}`).toEqual([]);
  if (width <= 390) {
    const wide = await page.evaluate(() => {
      const limit = document.documentElement.clientWidth;
      const over = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > limit + 1)
        .slice(0, 3)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
      return { scroll: document.documentElement.scrollWidth, limit, over };
    });
    expect.soft(wide.scroll, `scrollWidth on ${label}: ${wide.over.join(', ')}`).toBeLessThanOrEqual(width);
  }
}

// The pages that name something exist first: a person with a record, an account, an organisation.
test.beforeAll(async ({ browser }) => {
  const page = await open(browser, 'admin', 1280, 'ja');
  await page.goto(routes.peopleNew);
  await hydrated(page);
  const form = page.getByTestId(testid.personForm);
  await form.getByLabel('姓', { exact: true }).fill('画面');
  await form.getByLabel('名', { exact: true }).fill('確認');
  await form.getByLabel('電話番号').fill('03-1111-2222');
  await form.getByRole('button', { name: '保存する' }).click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  ids.person = new URL(page.url()).pathname;
  await hydrated(page);
  const records = page.getByTestId(testid.recordForm);
  await records.getByLabel('内容').fill('画面の確認のための記録');
  await records.getByRole('button', { name: '記録を追加' }).click();
  await expect(page.getByTestId(testid.recordList)).toContainText('画面の確認のための記録');
  await page.goto(routes.admin);
  await hydrated(page);
  await page.getByTestId(testid.accountList).getByRole('link', { name: 'kanri' }).click();
  await expect(page).toHaveURL(/\/admin\/users\/[0-9a-f-]{36}$/);
  ids.user = new URL(page.url()).pathname;

  const ops = await open(browser, 'operator', 1280, 'ja');
  await hydrated(ops);
  await ops.getByTestId(testid.tenantList).getByRole('link', { name: /gamen/ }).first().click();
  await expect(ops).toHaveURL(/\/ops\/tenants\/[0-9a-f-]{36}$/);
  ids.tenant = new URL(ops.url()).pathname;
  await hydrated(ops);
  await ops.getByTestId(testid.accountList).getByRole('link', { name: 'kanri' }).click();
  await expect(ops).toHaveURL(/\/users\/[0-9a-f-]{36}$/);
  ids.tenantUser = new URL(ops.url()).pathname;
});

const pages: Record<Who, () => string[]> = {
  nobody: () => [routes.login, routes.opsLogin, routes.setup, '/no-such-page'],
  admin: () => [
    routes.home,
    routes.people,
    routes.peopleNew,
    routes.peopleImport,
    ids.person,
    `${ids.person}/edit`,
    routes.admin,
    ids.user,
    routes.adminSettings,
    routes.adminNetwork,
    routes.adminAudit,
    routes.adminAlerts,
    routes.account,
    routes.changePassword,
  ],
  operator: () => [routes.opsHome, ids.tenant, ids.tenantUser, routes.opsOperators, routes.opsAudit, routes.opsAlerts],
};

for (const who of ['nobody', 'admin', 'operator'] as const) {
  for (const lang of langs) {
    for (const width of widths) {
      test(`every page for ${who}, ${lang}, ${width} px: no axe violation, nothing wider than the screen`, async ({ browser }) => {
        test.setTimeout(180_000);
        const page = await open(browser, who, width, lang);
        for (const path of pages[who]()) {
          await check(page, path, width, `${path} (${who}, ${lang}, ${width} px)`);
        }
        await page.context().close();
      });
    }
  }
}
