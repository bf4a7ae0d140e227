// The UI's words in both languages, read from the app's one message
// catalogue (app/src/i18n.rs), so that a journey run in Japanese and in
// English asks for the same thing without a second copy of the words.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Lang = 'ja' | 'en';

const source = readFileSync(join(__dirname, '..', '..', 'app', 'src', 'i18n.rs'), 'utf8');
const text = String.raw`"((?:[^"\\]|\\.)*)"`;
const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

function table(pattern: RegExp): Map<string, [string, string]> {
  const found = new Map<string, [string, string]>();
  for (const m of source.matchAll(pattern)) {
    found.set(m[1], [unescape(m[2]), unescape(m[3])]);
  }
  return found;
}

/** `Key => ("…", "…"),` in the catalogue. */
const messages = table(new RegExp(String.raw`^\s+(\w+) => \(\s*${text},\s*${text},?\s*\),`, 'gm'));
/** `("name", "…", "…")`: audit action words and time zones. */
const named = table(new RegExp(String.raw`\("([\w./]+)",\s*${text},\s*${text}\)`, 'g'));
/** `R::Ka => ("か行", "Ka")`: the 五十音 tabs. */
const rows = table(new RegExp(String.raw`R::(\w+) => \(${text}, ${text}\)`, 'g'));

function pick(from: Map<string, [string, string]>, key: string, lang: Lang, vars: Record<string, string | number>): string {
  const pair = from.get(key);
  if (!pair) {
    throw new Error(`no word "${key}" in app/src/i18n.rs`);
  }
  return Object.entries(vars).reduce((s, [k, v]) => s.replace(`{${k}}`, String(v)), pair[lang === 'ja' ? 0 : 1]);
}

/** The words of one language. */
export function wordsIn(lang: Lang) {
  return {
    lang,
    /** A catalogue message (`Msg::Key`), with `{n}`-style values filled in. */
    msg: (key: string, vars: Record<string, string | number> = {}) => pick(messages, key, lang, vars),
    /** The word for an audit action or a time zone, by its stable name. */
    named: (key: string) => pick(named, key, lang, {}),
    /** A 五十音 tab (`A`, `Ka`, … `Wa`). */
    row: (key: string) => pick(rows, key, lang, {}),
  };
}

export type Words = ReturnType<typeof wordsIn>;

export const catalogueSize = () => messages.size;
