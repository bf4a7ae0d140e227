import { test, expect, Browser, Page } from '@playwright/test';
import { routes, testid } from './ids';
import { hydrated, signedInPage } from './session';
import { wordsIn, Lang, Words } from './words';

// One journey per section of issue 15, walked four times: at 1280 and 390 px,
// in Japanese and in English. Each walk has its own organisation (tabi1–4 in
// serve.sh), so each starts from an empty register with the default
// categories; every word asked for comes from the app's own catalogue. Every
// page on the way must fit the screen's width.

const variants: { lang: Lang; width: number; org: string; given: string; givenKana: string; mail: string; phone: string }[] = [
  { lang: 'ja', width: 1280, org: 'tabi1', given: '一郎', givenKana: 'イチロウ', mail: 'ichiro', phone: '03-4000-0001' },
  { lang: 'ja', width: 390, org: 'tabi2', given: '次郎', givenKana: 'ジロウ', mail: 'jiro', phone: '03-4000-0002' },
  { lang: 'en', width: 1280, org: 'tabi3', given: '三郎', givenKana: 'サブロウ', mail: 'saburo', phone: '03-4000-0003' },
  { lang: 'en', width: 390, org: 'tabi4', given: '四郎', givenKana: 'シロウ', mail: 'shiro', phone: '03-4000-0004' },
];

/** Nothing on the page is wider than the screen (no sideways scrolling). */
async function fits(page: Page, width: number) {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

async function open(page: Page, path: string, width: number) {
  await page.goto(path);
  await hydrated(page);
  await fits(page, width);
}

async function addPerson(page: Page, w: Words, p: { family: string; given: string; familyKana: string; givenKana: string; phone?: string; email?: string }) {
  await page.getByTestId(testid.newPerson).click();
  await expect(page).toHaveURL(routes.peopleNew);
  await hydrated(page);
  const form = page.getByTestId(testid.personForm);
  await form.getByLabel(w.msg('FamilyName'), { exact: true }).fill(p.family);
  await form.getByLabel(w.msg('GivenName'), { exact: true }).fill(p.given);
  await form.getByLabel(w.msg('FamilyKana'), { exact: true }).fill(p.familyKana);
  await form.getByLabel(w.msg('GivenKana'), { exact: true }).fill(p.givenKana);
  if (p.phone) {
    await form.getByLabel(w.msg('Phone'), { exact: true }).fill(p.phone);
  }
  if (p.email) {
    await form.getByLabel(w.msg('Email'), { exact: true }).fill(p.email);
  }
  await form.getByRole('button', { name: w.msg('SavePerson') }).click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  await hydrated(page);
  await expect(page.getByTestId(testid.success).first()).toHaveText(w.msg('PersonAdded'));
}

async function search(page: Page, w: Words, q: string) {
  const form = page.getByTestId(testid.peopleSearch);
  await form.getByLabel(w.msg('SearchTerm')).fill(q);
  await form.getByRole('button', { name: w.msg('Search'), exact: true }).click();
}

for (const v of variants) {
  const w = wordsIn(v.lang);
  const name = `渡邊 ${v.given}`;
  const admin = (browser: Browser, clock = false) => signedInPage(browser, v.org, 'kanri', { width: v.width, lang: v.lang, clock });
  let personUrl = '';

  test.describe(`${v.lang} at ${v.width} px`, () => {
    test.describe.configure({ mode: 'serial' });

    test('§2 the header says where and who, an empty register says what to do, a saved person gets a green message', async ({ browser }) => {
      const page = await admin(browser);
      await fits(page, v.width);
      const who = page.getByTestId(testid.headerAccount);
      await expect(who).toContainText(`旅程確認株式会社（${v.org.slice(-1)}）`);
      await expect(who).toContainText('kanri');
      await expect(who).toContainText(w.msg('RoleAdmin'));
      await expect(page.getByTestId(testid.logout)).toBeVisible();
      await page.getByTestId(testid.navPeople).click();
      await expect(page).toHaveURL(routes.people);
      await hydrated(page);
      await expect(page.getByTestId(testid.navPeople)).toHaveAttribute('aria-current', 'page');
      await expect(page.getByTestId(testid.peopleList)).toContainText(w.msg('EmptyRegister'));
      await expect(page.getByTestId(testid.newPerson)).toHaveText(w.msg('NewPerson'));
      await expect(page.getByTestId(testid.importPeople)).toHaveText(w.msg('ImportPeople'));
      await expect(page.getByTestId(testid.peopleTotal)).toHaveText(w.msg('TotalCount', { n: 0 }));
      await fits(page, v.width);

      await addPerson(page, w, { family: '渡邊', given: v.given, familyKana: 'ワタナベ', givenKana: v.givenKana, phone: v.phone, email: `${v.mail}.w@example.jp` });
      personUrl = page.url();
      await fits(page, v.width);
      await page.getByTestId(testid.navPeople).click();
      await hydrated(page);
      await addPerson(page, w, { family: '山田', given: '花子', familyKana: 'ヤマダ', givenKana: 'ハナコ' });
      await page.getByTestId(testid.navPeople).click();
      await hydrated(page);
      await expect(page.getByTestId(testid.peopleTotal)).toHaveText(w.msg('TotalCount', { n: 2 }));
      await fits(page, v.width);
      // Shared PCs: the log-out is on the register too.
      await page.getByTestId(testid.logout).click();
      await expect(page).toHaveURL(routes.login);
    });

    test('§1 a variant kanji, the start of a reading and part of an e-mail find the person; Back keeps the search out of the URL', async ({ browser }) => {
      const page = await admin(browser);
      await open(page, routes.people, v.width);
      const list = page.getByTestId(testid.peopleList);
      for (const q of ['渡辺', '渡邉', 'ワタナ', 'わたなべ', v.mail]) {
        await search(page, w, q);
        await expect(list.getByRole('link', { name })).toBeVisible();
        await expect(list.locator('tbody tr')).toHaveCount(1);
      }
      await search(page, w, 'ヤマ');
      await expect(list.getByRole('link', { name: '山田 花子' })).toBeVisible();
      await expect(list.locator('tbody tr')).toHaveCount(1);
      await search(page, w, 'nobody-here');
      await expect(list).toHaveText(w.msg('NoneFound'));

      await search(page, w, '');
      await page.getByTestId(testid.kanaTabs).getByRole('button', { name: w.row('Wa'), exact: true }).click();
      await expect(page).toHaveURL(/\/people\?row=wa$/);
      await expect(list.locator('tbody tr')).toHaveCount(1);
      await search(page, w, '渡辺');
      await list.getByRole('link', { name }).click();
      await expect(page).toHaveURL(personUrl);
      await page.goBack();
      await expect(page).toHaveURL(/\/people\?row=wa$/);
      await expect(page.getByTestId(testid.peopleSearch).getByLabel(w.msg('SearchTerm'))).toHaveValue('渡辺');
      await expect(list.getByRole('link', { name })).toBeVisible();
      expect(page.url()).not.toContain(encodeURIComponent('渡辺'));
      await fits(page, v.width);
    });

    test('§3 a record is added, corrected with a reason, and its history keeps the earlier words', async ({ browser }) => {
      const page = await admin(browser);
      await open(page, personUrl, v.width);
      const recordForm = page.getByTestId(testid.recordForm);
      await recordForm.getByLabel(w.msg('OccurredAt')).fill('2026-11-30T09:15');
      await recordForm.getByLabel(w.msg('Category')).selectOption({ label: '訪問' });
      await recordForm.getByLabel(w.msg('RecordBody')).fill(`訪問 ${v.lang} ${v.width}: 体温 35.6`);
      await recordForm.getByRole('button', { name: w.msg('AddRecord') }).click();
      await expect(page.getByTestId(testid.success).filter({ hasText: w.msg('RecordAdded') })).toBeVisible();
      const records = page.getByTestId(testid.recordList);
      await expect(records).toContainText('体温 35.6');
      await fits(page, v.width);

      const change = records.getByTestId(testid.recordChange);
      await change.locator('summary').click();
      const correct = change.locator('form').first();
      await correct.getByLabel(w.msg('RecordBody')).fill(`訪問 ${v.lang} ${v.width}: 体温 36.5`);
      await correct.getByLabel(w.msg('ChangeReason')).fill('数字を入れ違えた');
      await fits(page, v.width);
      await change.getByTestId(testid.correctRecord).click();
      await expect(page.getByTestId(testid.success).filter({ hasText: w.msg('RecordCorrected') })).toBeVisible();
      await expect(records).toContainText('体温 36.5');
      await expect(records).toContainText(w.msg('RecordCorrectedBadge'));
      const history = records.getByTestId(testid.recordHistory);
      await expect(history.locator('summary')).toHaveText(`${w.msg('CorrectionHistory')} (1)`);
      await history.locator('summary').click();
      await expect(history).toContainText('数字を入れ違えた');
      await expect(history).toContainText('体温 35.6');
      await fits(page, v.width);
    });

    test('§4 the audit log names what happened, to whom, in words', async ({ browser }) => {
      const page = await admin(browser);
      await open(page, routes.adminAudit, v.width);
      await page.getByLabel(w.msg('ActionName'), { exact: true }).selectOption('person.');
      await page.getByRole('button', { name: w.msg('Search'), exact: true }).click();
      const list = page.getByTestId(testid.auditList);
      await expect(list.locator('td[data-action="person.created"]').first()).toHaveText(w.named('person.created'));
      await expect(list).toContainText(`${w.msg('TargetPerson')}: ${name}`);
      await expect(list).toContainText(w.msg('ResultSuccess'));
      await expect(list.locator('td[data-action^="login."]')).toHaveCount(0);
      await page.getByLabel(w.msg('ActionName'), { exact: true }).selectOption('record.');
      await page.getByRole('button', { name: w.msg('Search'), exact: true }).click();
      await expect(list.locator('td[data-action="record.corrected"]').first()).toHaveText(w.named('record.corrected'));
      await fits(page, v.width);
    });

    test('§5 settings offer zones by place and move categories; unsaved forms ask; idle sessions warn first', async ({ browser }) => {
      const page = await admin(browser, true);
      await open(page, routes.adminSettings, v.width);
      const zone = page.getByLabel(w.msg('TimeZone'));
      await expect(zone.locator('option:checked')).toHaveText(w.named('Asia/Tokyo'));
      expect(await zone.locator('option').allInnerTexts()).not.toContainEqual(expect.stringContaining('/'));
      const categories = page.getByTestId(testid.categoryList);
      const names = () => categories.locator('li input[name="name"]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
      await expect.poll(names).toEqual(['面談', '電話', '訪問', 'メール', 'その他']);
      await categories.getByRole('button', { name: `面談 ${w.msg('MoveDown')}` }).click();
      await expect.poll(names).toEqual(['電話', '面談', '訪問', 'メール', 'その他']);
      await categories.getByRole('button', { name: `面談 ${w.msg('MoveUp')}` }).click();
      await expect.poll(names).toEqual(['面談', '電話', '訪問', 'メール', 'その他']);
      await expect(categories.getByRole('button', { name: `面談 ${w.msg('MoveUp')}` })).toBeDisabled();
      // 訪問 has a record (§3): it cannot go.
      await expect(categories.locator('li').filter({ hasText: w.msg('CategoryInUseNote') })).toHaveCount(1);
      await fits(page, v.width);

      await open(page, routes.peopleNew, v.width);
      await page.getByTestId(testid.personForm).getByLabel(w.msg('FamilyName'), { exact: true }).fill('未保存');
      let asked = '';
      page.once('dialog', (d) => {
        asked = d.message();
        void d.dismiss();
      });
      await page.getByTestId(testid.navPeople).click();
      await expect.poll(() => asked).toBe(w.msg('LeaveUnsaved'));
      await expect(page).toHaveURL(routes.peopleNew);

      await page.clock.fastForward('28:30');
      const warning = page.getByTestId(testid.idleWarning);
      await expect(warning).toBeVisible();
      await expect(warning.getByRole('button', { name: w.msg('KeepWorking') })).toBeFocused();
      await fits(page, v.width);
      await warning.getByRole('button', { name: w.msg('KeepWorking') }).click();
      await expect(warning).toHaveCount(0);
    });

    test('§6 a phone number calls by a tap and the person prints without buttons or forms', async ({ browser }) => {
      const page = await admin(browser);
      await open(page, personUrl, v.width);
      const facts = page.getByTestId(testid.personFacts);
      await expect(facts.locator(`a[href="tel:${v.phone.replaceAll('-', '')}"]`)).toHaveText(v.phone);
      await expect(page.getByTestId(testid.print)).toHaveText(w.msg('Print'));
      await page.emulateMedia({ media: 'print' });
      await expect(page.getByTestId(testid.print)).toBeHidden();
      await expect(page.getByTestId(testid.recordForm)).toBeHidden();
      await expect(page.getByTestId(testid.recordChange)).toBeHidden();
      await expect(page.locator('header.topbar')).toBeHidden();
      await expect(facts).toBeVisible();
      await expect(page.getByTestId(testid.recordList)).toContainText('体温 36.5');
      await fits(page, v.width);
      await page.emulateMedia({ media: 'screen' });
      await expect(page.getByTestId(testid.print)).toBeVisible();
      // The register on a phone is cards: no table header, nothing sideways.
      await open(page, routes.people, v.width);
      if (v.width <= 400) {
        await expect(page.getByTestId(testid.peopleList).locator('thead')).toBeHidden();
      }
    });
  });
}
