/** Personal data this spec types; zz-secrets-scan looks for it in logs and audit rows. */
export const person = {
  family: '東雲',
  given: '葵',
  familyKana: 'しののめ', // typed in hiragana: stored as katakana
  givenKana: 'アオイ',
  phone: '03-5555-0123',
  email: 'shinonome.aoi@example.jp',
  notes: '秘密の備考E2E',
  record: '面談記録E2E本文',
};
