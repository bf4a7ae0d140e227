import { test, expect } from '@playwright/test';
import { routes, testid } from './ids';
import { fillTenantLogin, hydrated, signedInPage } from './session';

// The register's list as its users expect (issue 15 §2): an empty register
// says what to do next; the list says 全◯件; filters and page live in the URL
// and the search text in the history entry (never in a URL), so Back returns
// to the same place; on a phone the list is cards with no sideways scrolling.

test.describe.configure({ mode: 'serial' });

// 60 people: more than one page of 50. Half are ヤマ…, half タナ….
const register = ['姓,名,フリガナ（セイ）,フリガナ（メイ）']
  .concat(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? `山田,${i}郎,ヤマダ,イチロウ` : `田中,${i}子,タナカ,ハナコ`)))
  .join('\n');

test('an empty register offers to add people, then the list counts, pages and comes back with Back', async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await fillTenantLogin(page, 'meibo', 'kanri');
  await expect(page).toHaveURL(routes.home);
  await page.goto(routes.people);
  await hydrated(page);
  await expect(page.getByTestId(testid.peopleList)).toContainText('まだ利用者が登録されていません');
  await expect(page.getByTestId(testid.newPerson)).toHaveText('利用者を登録');
  await expect(page.getByTestId(testid.importPeople)).toHaveText('CSV取込');
  await expect(page.getByTestId(testid.peopleTotal)).toHaveText('全0件');

  await page.getByTestId(testid.importPeople).click();
  await hydrated(page);
  await page.getByLabel('CSVファイル').setInputFiles({ name: 'meibo.csv', mimeType: 'text/csv', buffer: Buffer.from(register, 'utf8') });
  await page.getByRole('button', { name: '内容を確認する' }).click();
  page.once('dialog', (d) => d.accept());
  await page.getByTestId(testid.importPreview).getByRole('button', { name: /件を登録する/ }).click();
  await expect(page.getByTestId(testid.importDone)).toContainText('60件を登録しました。');

  await page.goto(routes.people);
  await hydrated(page);
  await expect(page.getByTestId(testid.peopleTotal)).toHaveText('全60件');
  const rows = page.getByTestId(testid.peopleList).locator('tbody tr');
  await expect(rows).toHaveCount(50);
  // The next page is in the URL (a cursor, no personal data).
  await page.getByTestId(testid.peopleNext).click();
  await expect(page).toHaveURL(/\/people\?after=\d+\.[0-9a-f-]{36}$/);
  await expect(rows).toHaveCount(10);
  await page.goBack();
  await expect(page).toHaveURL(routes.people);
  await expect(rows).toHaveCount(50);

  // A filter goes to the URL; the search text does not.
  await page.getByTestId(testid.kanaTabs).getByRole('button', { name: 'た行' }).click();
  await expect(page).toHaveURL(/\/people\?row=ta$/);
  await expect(page.getByTestId(testid.peopleTotal)).toHaveText('全30件');
  const search = page.getByTestId(testid.peopleSearch);
  await search.getByLabel('検索語').fill('ハナコ');
  await search.getByRole('button', { name: '検索する' }).click();
  await expect(page).toHaveURL(/\/people\?row=ta$/);
  await expect(page.getByTestId(testid.peopleList).getByRole('link').first()).toContainText('田中');
  expect(page.url()).not.toContain(encodeURIComponent('ハナコ'));
  // To a person and Back: the same search, the same tab.
  await page.getByTestId(testid.peopleList).getByRole('link').first().click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  await page.goBack();
  await expect(page).toHaveURL(/\/people\?row=ta$/);
  await expect(search.getByLabel('検索語')).toHaveValue('ハナコ');
  await expect(page.getByTestId(testid.kanaTabs).locator('button[data-row="ta"]')).toHaveAttribute('aria-pressed', 'true');
});

test('on a phone, in English, the list is cards and nothing scrolls sideways', async ({ browser }) => {
  const page = await signedInPage(browser, 'meibo', 'kanri', { width: 390, lang: 'en' });
  await page.goto(routes.people);
  await hydrated(page);
  await expect(page.getByTestId(testid.peopleTotal)).toHaveText('60 in all');
  await expect(page.getByTestId(testid.peopleList).locator('thead')).toBeHidden();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
