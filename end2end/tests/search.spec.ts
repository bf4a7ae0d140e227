import { test, expect, Page } from '@playwright/test';
import { routes, testid } from './ids';
import { fillTenantLogin, hydrated } from './session';

// Partial search as the people who keep a register use it: the start of a
// reading, part of a full name, a variant kanji, part of an e-mail, the 五十音
// tabs; in Japanese on a desktop and in English on a phone.

const register = [
  '姓,名,フリガナ（セイ）,フリガナ（メイ）,電話番号,メールアドレス',
  '山下,花子,ヤマシタ,ハナコ,03-1111-2222,hanako.y@example.jp',
  '山本,一郎,やまもと,いちろう,,',
  '渡邊,健,ワタナベ,ケン,,ken@example.jp',
  '髙橋,誠,ﾀｶﾊｼ,ﾏｺﾄ,,',
  '加藤,一,カトウ,ハジメ,,',
  '鈴木,次郎,スズキ,ジロウ,,jiro@hanako.example',
].join('\n');

async function search(page: Page, label: string, button: string, q: string) {
  const form = page.getByTestId(testid.peopleSearch);
  await form.getByLabel(label).fill(q);
  await form.getByRole('button', { name: button }).click();
}

/** The names the list shows, sorted (or none). */
async function names(page: Page): Promise<string[]> {
  const list = page.getByTestId(testid.peopleList);
  await expect(list).toBeVisible();
  // The names (a phone number is a tel: link too).
  return (await list.locator('a:not([href^="tel:"])').allInnerTexts()).sort();
}

test.describe.configure({ mode: 'serial' });

test('an admin imports a register and finds people by part of a name, a variant kanji, part of an e-mail and a kana tab', async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await fillTenantLogin(page, 'sagasu', 'kanri');
  await expect(page).toHaveURL(routes.home);
  await page.goto(routes.peopleImport);
  await hydrated(page);
  await page.getByLabel('CSVファイル').setInputFiles({ name: 'register.csv', mimeType: 'text/csv', buffer: Buffer.from(register, 'utf8') });
  await page.getByRole('button', { name: '内容を確認する' }).click();
  const preview = page.getByTestId(testid.importPreview);
  await expect(preview).toContainText('問題は見つかりませんでした。');
  page.once('dialog', (d) => d.accept());
  await preview.getByRole('button', { name: /件を登録する/ }).click();
  await expect(page.getByTestId(testid.importDone)).toContainText('件を登録しました。');

  await page.goto(routes.people);
  await hydrated(page);
  const find = (q: string) => search(page, '検索語', '検索する', q);
  await find('ヤマ');
  await expect.poll(() => names(page)).toEqual(['山下 花子', '山本 一郎']);
  await find('山下 花');
  await expect.poll(() => names(page)).toEqual(['山下 花子']);
  await find('渡辺');
  await expect.poll(() => names(page)).toEqual(['渡邊 健']);
  await find('高橋');
  await expect.poll(() => names(page)).toEqual(['髙橋 誠']);
  // The local part of an address only: jiro@hanako.example is no hanako.
  await find('hanako');
  await expect.poll(() => names(page)).toEqual(['山下 花子']);
  await find('ヤマダ');
  await expect(page.getByTestId(testid.peopleList)).toHaveText('該当するものはありません。');

  // The 五十音 tabs: か行 lists 加藤 (カトウ); with a search, the tab narrows it.
  await find('');
  const tabs = page.getByTestId(testid.kanaTabs);
  await tabs.getByRole('button', { name: 'か行' }).click();
  await expect(tabs.getByRole('button', { name: 'か行' })).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => names(page)).toEqual(['加藤 一']);
  await tabs.getByRole('button', { name: 'た行' }).click();
  await expect.poll(() => names(page)).toEqual(['髙橋 誠']);
  await tabs.getByRole('button', { name: 'すべて' }).click();
  await expect.poll(async () => (await names(page)).length).toBe(6);
});

test('on a phone, in English, half-width kana and a tab find the same people', async ({ browser }) => {
  const page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  await fillTenantLogin(page, 'sagasu', 'kanri');
  await expect(page).toHaveURL(routes.home);
  await page.goto(routes.people);
  await hydrated(page);
  await page.getByTestId(testid.langSwitch).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await hydrated(page);
  await search(page, 'Search for', 'Search', 'ﾔﾏｼ');
  await expect.poll(() => names(page)).toEqual(['山下 花子']);
  await search(page, 'Search for', 'Search', '');
  const tabs = page.getByTestId(testid.kanaTabs);
  await tabs.getByRole('button', { name: 'Wa', exact: true }).click();
  await expect.poll(() => names(page)).toEqual(['渡邊 健']);
  await tabs.getByRole('button', { name: 'Other', exact: true }).click();
  await expect(page.getByTestId(testid.peopleList)).toHaveText('Nothing found.');
});
